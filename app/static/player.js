/*
 * The player: enhances the page's <audio controls> into labelled buttons and
 * sliders rendered by the server (hidden until this script runs), and wires
 * chapter links ([data-start]) and the transcript ([data-cue]) to playback.
 * Without JavaScript the native controls, chapter list and transcript remain.
 */
(function () {
  "use strict";

  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  /* "#t=90" or "?t=90" starts playback there, as shared links do. */
  function startTime() {
    var match = /[#&?]t=(\d+(?:\.\d+)?)/.exec(window.location.hash + window.location.search);
    return match ? parseFloat(match[1]) : 0;
  }

  function enhance(root) {
    var audio = root.querySelector("audio");
    var controls = root.querySelector("[data-controls]");
    if (!audio || !controls) { return; }
    var play = controls.querySelector("[data-play]");
    var seek = controls.querySelector("[data-seek]");
    var current = controls.querySelector("[data-current]");
    var durationText = controls.querySelector("[data-duration]");
    var speed = controls.querySelector("[data-speed]");
    var volume = controls.querySelector("[data-volume]");
    var cues = Array.prototype.slice.call(document.querySelectorAll("[data-cue]"));
    var chapters = Array.prototype.slice.call(document.querySelectorAll("a[data-start]"));
    var duration = parseFloat(audio.dataset.duration) || 0;
    var dragging = false;

    audio.controls = false;
    audio.hidden = true;
    controls.hidden = false;

    function seekTo(seconds) {
      var end = audio.duration || duration || seconds;
      audio.currentTime = Math.min(Math.max(0, seconds), end);
      update();
    }

    function update() {
      var time = audio.currentTime;
      if (!dragging) { seek.value = String(Math.floor(time)); }
      seek.setAttribute("aria-valuetext", fill(seek.dataset.valuetext, {
        current: clock(time), total: clock(audio.duration || duration)
      }));
      current.textContent = clock(time);
      markChapter(time);
      markCue(time);
    }

    function markChapter(time) {
      var active = null;
      chapters.forEach(function (link) {
        if (parseFloat(link.dataset.start) <= time) { active = link; }
      });
      chapters.forEach(function (link) {
        if (link === active) { link.setAttribute("aria-current", "true"); }
        else { link.removeAttribute("aria-current"); }
      });
    }

    var currentCue = null;
    function markCue(time) {
      var found = null;
      for (var i = 0; i < cues.length; i++) {
        var start = parseFloat(cues[i].dataset.start), end = parseFloat(cues[i].dataset.end);
        if (start <= time && time < end) { found = cues[i]; break; }
      }
      if (found === currentCue) { return; }
      if (currentCue) { currentCue.classList.remove("current"); currentCue.removeAttribute("aria-current"); }
      currentCue = found;
      if (!found) { return; }
      found.classList.add("current");
      found.setAttribute("aria-current", "true");
      var list = found.parentElement;
      if (!audio.paused && list.scrollHeight > list.clientHeight) {
        // Smooth or instant as the style sheet says: instant for prefers-reduced-motion.
        list.scrollTop = found.offsetTop - list.offsetTop - list.clientHeight / 3;
      }
    }

    function showState() {
      var playing = !audio.paused;
      play.setAttribute("aria-label", playing ? play.dataset.labelPause : play.dataset.labelPlay);
      play.querySelector("[aria-hidden]").textContent = playing ? "❚❚" : "▶";
      root.classList.toggle("playing", playing);
    }

    function setDuration() {
      if (isFinite(audio.duration) && audio.duration > 0) { duration = audio.duration; }
      seek.max = String(Math.ceil(duration));
      durationText.textContent = clock(duration);
      update();
    }

    play.addEventListener("click", function () {
      if (audio.paused) { audio.play(); } else { audio.pause(); }
    });
    controls.querySelectorAll("[data-skip]").forEach(function (button) {
      button.addEventListener("click", function () {
        seekTo(audio.currentTime + parseFloat(button.dataset.skip));
      });
    });
    seek.addEventListener("input", function () { dragging = true; seekTo(parseFloat(seek.value)); });
    seek.addEventListener("change", function () { dragging = false; });
    speed.addEventListener("change", function () {
      var rate = parseFloat(speed.value);
      audio.defaultPlaybackRate = rate;  // survives the load that the first play starts
      audio.playbackRate = rate;
    });
    volume.addEventListener("input", function () { audio.volume = parseFloat(volume.value); });
    chapters.concat(cues.map(function (cue) { return cue.querySelector("a[data-seek-to]"); }))
      .forEach(function (link) {
        if (!link) { return; }
        link.addEventListener("click", function (event) {
          event.preventDefault();
          seekTo(parseFloat(link.dataset.start || link.dataset.seekTo));
          audio.play();
        });
      });
    ["play", "pause", "ended"].forEach(function (name) { audio.addEventListener(name, showState); });
    audio.addEventListener("timeupdate", update);
    audio.addEventListener("seeked", update);
    audio.addEventListener("loadedmetadata", setDuration);
    audio.addEventListener("ratechange", function () {
      if (audio.playbackRate !== parseFloat(speed.value)) {
        audio.playbackRate = parseFloat(speed.value);
      }
    });

    pauseWhenAnotherPlays(audio);
    setDuration();
    var start = startTime();
    if (start) { seekTo(start); }
    enhanceSearch();
    enhanceShare(audio);
  }

  /* One player plays at a time: starting one pauses every other player of this site in
     the browser, the page's own and each embed (same origin, so one BroadcastChannel). */
  function pauseWhenAnotherPlays(audio) {
    if (!("BroadcastChannel" in window)) { return; }
    var channel = new BroadcastChannel("podhost-player");
    var id = String(Math.random()).slice(2) + String(Date.now());
    audio.addEventListener("play", function () { channel.postMessage({ playing: id }); });
    channel.addEventListener("message", function (event) {
      if (event.data && event.data.playing !== id && !audio.paused) { audio.pause(); }
    });
  }

  /* "1 line matches", "2 lines match": the forms ngettext gave the page, chosen by the
     page language's plural rules, the number written as that language writes it. */
  function matches(status, count) {
    var lang = document.documentElement.lang || "en";
    var form = new Intl.PluralRules(lang).select(count) === "one" ? "one" : "other";
    return fill(status.dataset[form], { count: count.toLocaleString(lang) });
  }

  /* Filters the transcript to the cues that contain every typed word. */
  function enhanceSearch() {
    var input = document.querySelector("[data-transcript-search]");
    if (!input) { return; }
    var status = document.querySelector("[data-transcript-status]");
    var cues = Array.prototype.slice.call(document.querySelectorAll("[data-cue]"));
    input.closest("[data-needs-script]").hidden = false;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      cues.forEach(function (cue) {
        var text = cue.textContent.toLowerCase();
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        cue.hidden = !match;
        if (match) { shown++; }
      });
      status.textContent = words.length ? matches(status, shown) : "";
    });
  }

  /* "Share at the current time": the episode's address with #t=seconds. */
  function enhanceShare(audio) {
    var button = document.querySelector("[data-share]");
    if (!button) { return; }
    var output = document.querySelector("[data-share-output]");
    button.closest("[data-needs-script]").hidden = false;
    button.addEventListener("click", function () {
      output.value = button.dataset.share + "#t=" + Math.floor(audio.currentTime);
      output.select();
      copy(output.value, document.querySelector("[data-share-status]"));
    });
  }

  function copy(text, status) {
    var done = function () { status.textContent = status.dataset.copied; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        status.textContent = status.dataset.select;
      });
    } else {
      status.textContent = status.dataset.select;
    }
  }

  /* The embed's scrolling part (chapters, transcript) ends where a line ends, so the
     frame never shows half a line at its bottom: its height is cut back to the last
     row that fits whole. Rows inside the transcript's own scrolling list count only
     as far as the list shows them. */
  function fitWholeRows() {
    var extras = document.querySelector("body.full .extras");
    if (!extras) { return; }
    extras.style.flex = "";
    extras.style.height = "";
    var box = extras.getBoundingClientRect();
    var list = extras.querySelector(".transcript ol");
    var listBottom = list ? list.getBoundingClientRect().bottom : Infinity;
    var best = 0;
    extras.querySelectorAll("h2, p, label, input, nav li, .transcript ol, .transcript li")
      .forEach(function (row) {
        var bottom = row.getBoundingClientRect().bottom;
        if (row.parentElement === list && bottom > listBottom + 0.5) { return; }
        var height = bottom - box.top + extras.scrollTop;
        if (height <= box.height + 0.5 && height > best) { best = height; }
      });
    if (best > 0) {
      extras.style.flex = "none";
      extras.style.height = Math.floor(best + 1) + "px";
    }
  }

  document.querySelectorAll("[data-player]").forEach(enhance);
  fitWholeRows();
  window.addEventListener("resize", fitWholeRows);
})();
