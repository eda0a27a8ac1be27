// Every studio page: after a refused save the page opens at its summary of what to fix,
// focused, so a screen reader reads it out and Tab goes straight to its links.
"use strict";

(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();
