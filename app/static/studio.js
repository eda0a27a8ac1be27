// The episode editor: "Add a row" for the chapters and persons tables.
// Without this script the tables still offer a few empty rows, and saving adds more.
"use strict";

(function () {
  function renumber(row, index) {
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) {
          el.setAttribute(attr, value.replace(/^(\w+)-\d+-/, "$1-" + index + "-"));
        }
      });
    });
    row.querySelectorAll("label").forEach(function (label) {
      label.textContent = label.textContent.replace(/\d+$/, String(index + 1));
    });
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
    row.querySelectorAll(".error").forEach(function (error) { error.remove(); });
  }

  function addRow(kind) {
    var body = document.querySelector("table[data-rows='" + kind + "'] tbody");
    var rows = body.querySelectorAll("tr[data-row]");
    var copy = rows[rows.length - 1].cloneNode(true);
    renumber(copy, rows.length);
    body.appendChild(copy);
    copy.querySelector("input").focus();
  }

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.closest("[data-needs-script]").hidden = false;
    button.addEventListener("click", function () { addRow(button.dataset.addRow); });
  });
})();

// After a refused save the page opens at its summary of what to fix: focused, so a
// screen reader reads it out and Tab goes straight to its links.
(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();
