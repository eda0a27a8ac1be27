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

/* Subscribe buttons: a deep link ([data-platforms]) is shown only on a platform where its
   app can open a feed; without this script only the directory pages and the RSS address show. */
(function () {
  "use strict";
  var agent = navigator.userAgent;
  var touchMac = /Macintosh/.test(agent) && navigator.maxTouchPoints > 1;  // iPadOS
  var platform = /iPhone|iPad|iPod/.test(agent) || touchMac ? "ios"
    : /Android/.test(agent) ? "android"
    : /Macintosh/.test(agent) ? "mac"
    : /Windows/.test(agent) ? "windows"
    : /Linux|X11/.test(agent) ? "linux" : "";
  document.querySelectorAll("[data-platforms]").forEach(function (item) {
    item.hidden = item.dataset.platforms.split(" ").indexOf(platform) === -1;
  });
})();
