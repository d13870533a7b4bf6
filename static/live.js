/* Live sessions: follow the session without reloading in a loop.
   Polls the state URL in [data-poll] every 2 s (with If-None-Match, so most answers are an
   empty 304), updates the counters, counts the timer down, and reloads the page when the
   session moves on, except over a form being filled in: then it only says so. Stops once a
   form is sent or the page is left: a reload then would cancel the post (the trainer's press
   on Reveal or Next would be lost). Pauses while the screen is hidden or locked; backs off
   when the network fails. Without JavaScript the waiting pages refresh themselves instead (a
   noscript meta refresh). */
(function () {
  "use strict";
  var root = document.querySelector("[data-poll]");
  if (!root || !window.XMLHttpRequest) { return; }
  var url = root.getAttribute("data-poll");
  var version = root.getAttribute("data-version");
  var etag = null, timer = null, delay = 2000, busy = false, leaving = false;

  function dirty() {
    var form = document.querySelector("form[data-keep]");
    return !!(form && form.querySelector("input:checked"));
  }
  function moved() {
    if (leaving) { return; }
    if (!dirty()) { window.location.reload(); return; }
    var note = document.querySelector("[data-stale]");
    if (note) { note.hidden = false; }
  }
  function show(state) {
    ["joined", "answered"].forEach(function (name) {
      if (state[name] === undefined) { return; }
      var els = document.querySelectorAll('[data-count="' + name + '"]');
      for (var i = 0; i < els.length; i++) { els[i].textContent = String(state[name]); }
    });
    if (String(state.v) !== version) { version = String(state.v); moved(); }
  }
  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(poll, ms + Math.floor(Math.random() * 400));
  }
  function poll() {
    if (busy || leaving) { return; }
    if (document.hidden) { schedule(delay); return; }
    busy = true;
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url, true);
    xhr.timeout = 10000;
    if (etag) { xhr.setRequestHeader("If-None-Match", etag); }
    xhr.onload = function () {
      busy = false;
      if (xhr.status === 200) {
        etag = xhr.getResponseHeader("ETag") || etag;
        try { show(JSON.parse(xhr.responseText)); } catch (e) { /* keep polling */ }
        delay = 2000;
      } else if (xhr.status === 304) {
        delay = 2000;
      } else {
        delay = Math.min(delay * 2, 15000);
      }
      schedule(delay);
    };
    xhr.onerror = xhr.ontimeout = function () {
      busy = false;
      delay = Math.min(delay * 2, 15000);
      schedule(delay);
    };
    xhr.send();
  }
  var left = document.querySelector("[data-left]");
  if (left) {
    var ends = Date.now() + 1000 * parseInt(left.getAttribute("data-left"), 10);
    var tick = setInterval(function () {
      var s = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
      left.textContent = String(s);
      if (s === 0) { clearInterval(tick); schedule(300); }
    }, 1000);
  }
  function leave() { leaving = true; clearTimeout(timer); }
  document.addEventListener("submit", leave);
  window.addEventListener("pagehide", leave);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { leaving = false; schedule(0); }  // back from the page cache
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !leaving) { schedule(0); }
  });
  schedule(delay);
})();
