// The episode editor: nothing typed is lost.
// - Autosave: while the producer types, the text goes to the server as their draft,
//   which the editor offers back after a crashed tab or a closed window.
// - A warning before leaving the page with changes that are not saved.
// - Files attach without leaving the page: a file button posts the one form by fetch
//   and only the file sections (and, for an import, the chapter rows) are replaced.
// Without this script the same buttons post the whole form, and the server keeps the
// typed text as the draft and reopens the editor from it.
"use strict";

(function () {
  var form = document.getElementById("episode-form");
  if (!form) { return; }
  var status = form.querySelector("[data-draft-status]");
  var attachStatus = form.querySelector("[data-attach-status]");
  var dirty = form.hasAttribute("data-dirty");
  var leaving = false;
  var timer = null;
  var saving = null;
  var AUTOSAVE_MS = 1500;

  function say(element, text) {
    if (!element) { return; }
    element.textContent = text;
  }

  // The text of the form, without files, the pressed button or the token's duplicates.
  function textData() {
    var data = new FormData(form);
    Array.prototype.slice.call(form.querySelectorAll("input[type=file]")).forEach(function (input) {
      data.delete(input.name);
    });
    return data;
  }

  function autosave() {
    timer = null;
    if (form.hasAttribute("data-no-draft")) { return; }
    var body = textData();
    saving = fetch(form.dataset.draftUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (answer) { say(status, answer.message); });
    }).catch(function () {
      say(status, form.dataset.offlineMessage || "");
    }).then(function () { saving = null; });
  }

  function changed(event) {
    if (event.target.type === "file") { return; }
    dirty = true;
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(autosave, AUTOSAVE_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  window.addEventListener("beforeunload", function (event) {
    if (!dirty || leaving) { return; }
    if (timer) { clearTimeout(timer); autosave(); }
    event.preventDefault();
    event.returnValue = "";
  });

  // Keep the page's lock version, the file sections and the messages in step with the
  // editor as the server answered it; the typed fields are left exactly as they are.
  function adopt(html, replacesChapters) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var version = fresh.querySelector("#episode-form input[name=lock_version]");
    var mine = form.querySelector("input[name=lock_version]");
    if (version && mine) { mine.value = version.value; }
    form.querySelectorAll("[data-files-section]").forEach(function (section) {
      var replacement = fresh.getElementById(section.id);
      if (replacement) { section.replaceWith(document.importNode(replacement, true)); }
    });
    if (replacesChapters) {
      var rows = fresh.querySelector("table[data-rows='chapters'] tbody");
      var here = form.querySelector("table[data-rows='chapters'] tbody");
      if (rows && here) { here.replaceWith(document.importNode(rows, true)); }
    }
    var messages = [];
    fresh.querySelectorAll("main .flash:not([data-restored]), main [role=alert], [data-files-section] .error")
      .forEach(function (element) { messages.push(element.textContent.trim()); });
    say(attachStatus, messages.join(" "));
    showMessages(messages);
  }

  function showMessages(messages) {
    var box = document.querySelector("[data-attach-messages]");
    if (!box) {
      box = document.createElement("div");
      box.setAttribute("data-attach-messages", "");
      form.parentNode.insertBefore(box, form);
    }
    box.textContent = "";
    messages.forEach(function (text) {
      var p = document.createElement("p");
      p.className = "flash";
      p.textContent = text;
      box.appendChild(p);
    });
  }

  function attach(button) {
    var data = new FormData(form);
    if (button.name) { data.append(button.name, button.value); }
    // Only the file inputs of the button's own section travel; the rest stay chosen.
    var section = button.closest("[data-files-section]");
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      if (!section || !section.contains(input)) { data.delete(input.name); }
    });
    var replacesChapters = button.hasAttribute("data-replaces-chapters");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    say(attachStatus, form.dataset.sendingMessage || "");
    var pending = saving || Promise.resolve();
    return pending.then(function () {
      return fetch(button.getAttribute("formaction"), {
        method: "POST", body: data, credentials: "same-origin"
      });
    }).then(function (response) {
      return response.text().then(function (html) { adopt(html, replacesChapters); });
    }).catch(function () {
      showMessages([form.dataset.failedMessage || ""]);
    }).then(function () {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-attach]");
    if (!button || !form.contains(button)) { return; }
    event.preventDefault();
    attach(button);
  });

  // Save, publish, schedule: the page is left on purpose; files chosen but not attached
  // are not sent along with the text.
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.hasAttribute("data-attach")) {
      event.preventDefault();
      attach(button);
      return;
    }
    leaving = true;
    if (timer) { clearTimeout(timer); timer = null; }
    form.querySelectorAll("input[type=file]").forEach(function (input) { input.disabled = true; });
  });

  // Back from the browser's cache after a save: the inputs must work again.
  window.addEventListener("pageshow", function () {
    leaving = false;
    form.querySelectorAll("input[type=file]").forEach(function (input) { input.disabled = false; });
  });
})();
