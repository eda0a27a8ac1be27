/* Copy buttons: [data-copy] copies the value of the input it names, and says so. */
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copyStatus);
    button.hidden = false;
    button.addEventListener("click", function () {
      input.select();
      var said = function (key) { status.textContent = status.dataset[key]; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(
          function () { said("copied"); }, function () { said("select"); });
      } else {
        said("select");
      }
    });
  });
})();
