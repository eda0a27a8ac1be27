// Every studio page: after a refused save the page opens at its summary of what to fix,
// focused, so a screen reader reads it out and Tab goes straight to its links.
"use strict";

(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();

// The address name follows the title until the producer types one of their own; the
// server makes the same proposal from an empty field, so this only saves a step.
(function () {
  document.querySelectorAll("input[data-slug-from]").forEach(function (slug) {
    var source = document.getElementById(slug.dataset.slugFrom);
    if (!source) { return; }
    var own = slug.value !== "";
    slug.addEventListener("input", function () { own = slug.value !== ""; });
    source.addEventListener("input", function () {
      if (own) { return; }
      slug.value = source.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
        .toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80)
        .replace(/-+$/, "");
    });
  });
})();
