/* The new-episode page: drop or choose an audio file and it goes up in resumable pieces.

   With S3 storage the parts go straight to the bucket through presigned URLs
   (app/studio/uploads.py signs them); with local storage they go to the app
   as Content-Range chunks. The upload's id is kept in localStorage under the
   file's name, size and date, so after a dropped connection or a reload the
   same file resumes: the server says which parts it has, and only the rest is
   sent. Without this script the form posts the file as a plain upload. */
(function () {
  "use strict";
  var form = document.getElementById("episode-form");
  if (!form || !window.fetch || !window.XMLHttpRequest || !window.Promise) { return; }

  var msg = form.dataset;
  var input = form.querySelector("input[type=file]");
  var zone = form.querySelector("[data-dropzone]");
  var panel = form.querySelector("[data-progress]");
  var bar = panel.querySelector("progress");
  var statusLine = panel.querySelector("[data-status]");
  var detailLine = panel.querySelector("[data-detail]");
  var resumeButton = panel.querySelector("[data-resume]");
  var retryButton = panel.querySelector("[data-retry]");
  var cancelButton = panel.querySelector("[data-cancel]");
  var errorLine = form.querySelector("[data-upload-error]");
  var summary = form.querySelector("[data-summary]");
  var uploadField = form.querySelector("input[name=upload]");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var submits = form.querySelectorAll("button[type=submit]");
  var language = document.documentElement.lang || "sv";
  var PARALLEL_PARTS = 3;
  // A server that fails the same step this many times in a row is not going to
  // recover by itself soon: the producer is told and decides when to go on.
  var MAX_FAILURES = 5;
  var FIRST_PAUSE_MS = 2000;  // then 4, 8 and 16 s: half a minute before giving up
  var NETWORK_PAUSE_MS = 3000;  // a dropped connection while the browser thinks it is online
  var current = null;

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return values && name in values ? values[name] : all;
    });
  }

  // The same decimal units and number format as the server's Babel (human_size).
  var UNITS = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"];
  function size(bytes) {
    var unit = 0;
    while (bytes >= 1000 && unit < UNITS.length - 1) { bytes /= 1000; unit += 1; }
    return new Intl.NumberFormat(language, {
      style: "unit", unit: UNITS[unit], unitDisplay: "short", maximumFractionDigits: 1
    }).format(bytes);
  }

  function duration(seconds) {
    seconds = Math.max(1, Math.round(seconds));
    if (seconds < 60) { return say(msg.msgSeconds, {n: seconds}); }
    if (seconds < 3600) { return say(msg.msgMinutes, {n: Math.round(seconds / 60)}); }
    return say(msg.msgHours, {h: Math.floor(seconds / 3600), m: Math.round(seconds % 3600 / 60)});
  }

  function showError(text) {
    errorLine.textContent = text || "";
  }

  function setBusy(busy) {
    submits.forEach(function (button) { button.disabled = busy; });
  }

  // --- talking to the app ---------------------------------------------------

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: {"Accept": "application/json", "Content-Type": "application/json",
                "X-CSRFToken": csrf},
      body: body === undefined ? undefined : JSON.stringify(body)
    }).catch(function () {
      throw networkError();  // no answer at all: the connection, not the server
    }).then(function (response) {
      if (response.status === 204) { return null; }
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) { return data; }
        var error = new Error(data.message || msg.msgFailed);
        error.status = response.status;
        throw error;
      });
    });
  }

  // A refusal means the file can never go up (too large, not audio); the rest are retried.
  function isRefusal(error) {
    return [400, 403, 404, 413, 415, 422].indexOf(error.status) !== -1;
  }

  function put(url, blob, headers, onProgress, upload) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      upload.requests.push(xhr);
      xhr.open("PUT", url);
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      xhr.upload.onprogress = function (event) { onProgress(event.loaded); };
      xhr.onload = function () {
        forget(upload, xhr);
        if (xhr.status >= 200 && xhr.status < 300) { resolve(xhr.responseText); return; }
        // The app explains its refusals in JSON; anything else (S3 refusing an expired
        // signature, a proxy's error page) is worth another try.
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        var error = new Error((data && data.message) || msg.msgFailed);
        error.status = data && data.message ? xhr.status : 0;
        reject(error);
      };
      xhr.onerror = xhr.onabort = xhr.ontimeout = function () {
        forget(upload, xhr);
        reject(networkError());
      };
      xhr.send(blob);
    });
  }

  function networkError() {
    var error = new Error(msg.msgOffline);
    error.network = true;
    return error;
  }

  function forget(upload, xhr) {
    upload.requests = upload.requests.filter(function (other) { return other !== xhr; });
  }

  // --- progress and time remaining -------------------------------------------------

  function track(upload) {
    var inFlight = 0;
    Object.keys(upload.loading).forEach(function (key) { inFlight += upload.loading[key]; });
    var sent = Math.min(upload.info.size, upload.confirmed + inFlight);
    var now = Date.now();
    upload.samples.push([now, sent]);
    while (upload.samples.length > 2 && now - upload.samples[0][0] > 10000) { upload.samples.shift(); }
    var first = upload.samples[0];
    var rate = now > first[0] + 500 ? (sent - first[1]) / ((now - first[0]) / 1000) : 0;
    var percent = Math.floor(sent * 100 / upload.info.size);
    bar.value = percent;
    bar.textContent = percent + " %";
    var values = {sent: size(sent), total: size(upload.info.size)};
    if (rate > 0 && sent < upload.info.size) {
      values.remaining = duration((upload.info.size - sent) / rate);
      detailLine.textContent = say(msg.msgDetail, values);
    } else {
      detailLine.textContent = say(msg.msgDetailUnknown, values);
    }
    // Screen readers hear every tenth, not every change.
    var step = Math.floor(percent / 10);
    if (step !== upload.lastStep) {
      upload.lastStep = step;
      statusLine.textContent = say(msg.msgPercent, {percent: percent});
    }
  }

  // --- sending ---------------------------------------------------------------

  function storageKey(file) {
    return ["podhost-upload", msg.show, file.name, file.size, file.lastModified].join(":");
  }

  function start(file) {
    if (current) { stop(current); }
    showError("");
    if (file.size > Number(msg.maxBytes)) { showError(msg.msgTooLarge); return; }
    if (file.size === 0) { showError(msg.msgEmpty); return; }
    summary.innerHTML = "";
    uploadField.value = "";
    panel.hidden = false;
    resumeButton.hidden = true;
    retryButton.hidden = true;
    cancelButton.hidden = false;
    bar.value = 0;
    detailLine.textContent = "";
    setBusy(true);
    var upload = {file: file, key: storageKey(file), requests: [], loading: {}, confirmed: 0,
                  samples: [], lastStep: -1, stopped: false, wake: null, info: null,
                  failures: 0, gaveUp: false};
    current = upload;
    var saved = null;
    try { saved = window.localStorage.getItem(upload.key); } catch (e) { saved = null; }
    var resumed = saved ? api("GET", saved).catch(function () { return null; }) : Promise.resolve(null);
    resumed.then(function (info) {
      if (info) {
        statusLine.textContent = say(msg.msgResuming, {name: file.name});
        return info;
      }
      statusLine.textContent = say(msg.msgStarting, {name: file.name});
      return api("POST", msg.startUrl, {filename: file.name, size: file.size,
                                        type: file.type}).then(function (created) {
        try { window.localStorage.setItem(upload.key, created.url); } catch (e) { /* private mode */ }
        return created;
      });
    }).then(function (info) {
      upload.info = info;
      return run(upload);
    }).catch(function (error) { fail(upload, error); });
  }

  // Send what is missing, complete, and on a failure wait and go again.
  function run(upload) {
    if (upload.stopped) { return Promise.resolve(); }
    var info = upload.info;
    var sending = info.state === "ready" ? Promise.resolve()
      : info.mode === "s3" ? sendParts(upload) : sendChunks(upload);
    return sending.then(function () {
      if (upload.stopped) { return null; }
      upload.confirmed = info.size;
      upload.loading = {};
      track(upload);
      allSent(upload);
      statusLine.textContent = msg.msgChecking;
      return api("POST", info.url + "/complete").then(function (done) { finished(upload, done); });
    }).catch(function (error) { return recover(upload, error); });
  }

  // A refusal ends the upload. A lost connection is waited out, however long it lasts;
  // a server that keeps failing is tried again after growing pauses, then left to the producer.
  function recover(upload, error) {
    if (upload.stopped) { return null; }
    if (isRefusal(error)) { throw error; }
    upload.lastStep = -1;
    resumeButton.hidden = false;
    if (navigator.onLine === false) {
      statusLine.textContent = msg.msgOffline;
      return pause(upload, null).then(function () { return resume(upload); });
    }
    if (error.network) {
      statusLine.textContent = msg.msgOffline;
      return pause(upload, NETWORK_PAUSE_MS).then(function () { return resume(upload); });
    }
    upload.failures += 1;
    if (upload.failures >= MAX_FAILURES) { return giveUp(upload); }
    var wait = FIRST_PAUSE_MS * Math.pow(2, upload.failures - 1);
    statusLine.textContent = say(msg.msgRetrying, {seconds: wait / 1000,
                                                   attempt: upload.failures + 1,
                                                   max: MAX_FAILURES});
    return pause(upload, wait).then(function () { return resume(upload); });
  }

  // Until the time is up (never, with null), the browser is back online, or a button is pressed.
  function pause(upload, ms) {
    return new Promise(function (resolve) {
      var timer = ms === null ? null : window.setTimeout(wake, ms);
      function wake() {
        window.clearTimeout(timer);
        window.removeEventListener("online", wake);
        upload.wake = null;
        resolve();
      }
      upload.wake = wake;
      window.addEventListener("online", wake);
    });
  }

  // Ask the server what it has, then send only the rest.
  function resume(upload) {
    if (upload.stopped) { return null; }
    return api("GET", upload.info.url).then(function (info) {
      resumeButton.hidden = true;
      upload.info = info;
      return run(upload);
    }, function (error) { return recover(upload, error); });
  }

  // Stop retrying; what arrived stays, and "Try again" continues from there.
  function giveUp(upload) {
    upload.gaveUp = true;
    resumeButton.hidden = true;
    retryButton.hidden = false;
    statusLine.textContent = "";
    showError(say(msg.msgGaveUp, {count: MAX_FAILURES}));
    return null;
  }

  function tryAgain(upload) {
    upload.gaveUp = false;
    upload.failures = 0;
    retryButton.hidden = true;
    showError("");
    statusLine.textContent = say(msg.msgResuming, {name: upload.file.name});
    resume(upload).catch(function (error) { fail(upload, error); });
  }

  function sendParts(upload) {
    var info = upload.info;
    var have = {};
    info.parts.forEach(function (number) { have[number] = true; });
    var missing = [];
    for (var number = 1; number <= info.part_count; number += 1) {
      if (!have[number]) { missing.push(number); }
    }
    upload.confirmed = info.received;
    upload.loading = {};
    track(upload);
    var queue = missing.slice();
    var failure = null;
    // On a failure the other workers finish the part they are sending and take no new
    // one; the retry then asks the store what it has, so no part is sent twice.
    function worker() {
      if (!queue.length || upload.stopped || failure) { return Promise.resolve(); }
      var batch = queue.splice(0, 1);
      return api("POST", info.url + "/parts", {parts: batch}).then(function (signed) {
        var part = batch[0];
        var begin = (part - 1) * info.part_size;
        var blob = upload.file.slice(begin, Math.min(begin + info.part_size, info.size));
        return put(signed.urls[String(part)], blob, {}, function (loaded) {
          upload.loading[part] = loaded;
          track(upload);
        }, upload).then(function () {
          delete upload.loading[part];
          upload.failures = 0;
          upload.confirmed += blob.size;
          track(upload);
        }, function (error) {
          delete upload.loading[part];
          throw error;
        });
      }).then(worker, function (error) { failure = failure || error; });
    }
    var workers = [];
    for (var i = 0; i < PARALLEL_PARTS; i += 1) { workers.push(worker()); }
    return Promise.all(workers).then(function () {
      if (failure) { throw failure; }
    });
  }

  function sendChunks(upload) {
    var info = upload.info;
    upload.confirmed = info.received;
    upload.loading = {};
    track(upload);
    if (upload.confirmed >= info.size || upload.stopped) { return Promise.resolve(); }
    var begin = upload.confirmed;
    var end = Math.min(begin + info.part_size, info.size);
    var headers = {"Content-Type": "application/octet-stream", "X-CSRFToken": csrf,
                   "Content-Range": "bytes " + begin + "-" + (end - 1) + "/" + info.size,
                   "Accept": "application/json"};
    return put(info.url, upload.file.slice(begin, end), headers, function (loaded) {
      upload.loading.chunk = loaded;
      track(upload);
    }, upload).then(function (text) {
      upload.failures = 0;
      info.received = JSON.parse(text).received;
      return sendChunks(upload);
    });
  }

  // All of it sent: the size alone, never a time left (which read "about 1 s left" at 100 %).
  function allSent(upload) {
    var total = size(upload.file.size);
    bar.value = 100;
    bar.textContent = "100 %";
    detailLine.textContent = say(msg.msgDetailUnknown, {sent: total, total: total});
  }

  function finished(upload, done) {
    upload.info = done;
    allSent(upload);
    statusLine.textContent = msg.msgDone;
    cancelButton.hidden = true;
    resumeButton.hidden = true;
    retryButton.hidden = true;
    uploadField.value = done.id;
    input.value = "";  // the file is stored; the form must not send it again
    summary.innerHTML = done.summary_html;
    var title = form.querySelector("[name=title]");
    var description = form.querySelector("[name=description]");
    var probe = done.probe || {};
    if (!title.value.trim()) {
      title.value = probe.title || upload.file.name.replace(/\.[^.]+$/, "");
    }
    if (!description.value.trim() && probe.description) { description.value = probe.description; }
    setBusy(false);
  }

  function fail(upload, error) {
    if (upload.stopped) { return; }
    panel.hidden = true;
    setBusy(false);
    showError(error.message || msg.msgFailed);
    input.value = "";
    try { window.localStorage.removeItem(upload.key); } catch (e) { /* private mode */ }
    current = null;
  }

  function stop(upload) {
    upload.stopped = true;
    upload.requests.slice().forEach(function (xhr) { xhr.abort(); });
    if (upload.wake) { upload.wake(); }
  }

  // --- wiring ----------------------------------------------------------------------

  input.addEventListener("change", function () {
    if (input.files && input.files[0]) { start(input.files[0]); }
  });

  zone.addEventListener("dragover", function (event) {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("dragging");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (files && files[0]) { start(files[0]); }
  });

  resumeButton.addEventListener("click", function () {
    if (current && current.wake) { current.wake(); }
  });

  retryButton.addEventListener("click", function () {
    if (current && current.gaveUp) { tryAgain(current); }
  });

  cancelButton.addEventListener("click", function () {
    var upload = current;
    if (!upload) { return; }
    stop(upload);
    current = null;
    try { window.localStorage.removeItem(upload.key); } catch (e) { /* private mode */ }
    var removal = upload.info ? api("DELETE", upload.info.url) : Promise.resolve();
    removal.catch(function () { return null; }).then(function () {
      panel.hidden = true;
      input.value = "";
      setBusy(false);
      showError("");
      errorLine.textContent = msg.msgCancelled;
    });
  });

  form.addEventListener("submit", function () {
    if (current) {
      try { window.localStorage.removeItem(current.key); } catch (e) { /* private mode */ }
    }
  });
})();
