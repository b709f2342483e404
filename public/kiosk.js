// Lắng Nghe kiosk: optional improvement of the rating page. Without this file the faces are a
// plain form. With it, each rating carries a one-time id (so a retry is never counted twice) and
// a rating that cannot reach the server is kept on the device, the screen says plainly that it
// is NOT saved yet, and it is sent again every 15 seconds until the server confirms it.
(function () {
  "use strict";
  var form = document.querySelector('form[data-kiosk="rate"]');
  if (!form || !window.fetch) return;
  var status = document.getElementById("kiosk-status");
  var KEY = "langnghe.kiosk.pending";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(16) + "-" + Math.random().toString(16).slice(2);
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function store(list) {
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* storage full or off */ }
  }
  function say(text, alert) {
    if (!status) return;
    status.textContent = text;
    status.className = alert ? "kiosk-status kiosk-alert" : "kiosk-status";
  }
  function send(item) {
    var body = new URLSearchParams();
    body.set("score", item.score);
    body.set("nonce", item.nonce);
    // How long the answer waited on this device (its own clock, so a wrong clock does not
    // matter): the server judges a queued answer by when it was given.
    body.set("age", String(Math.max(0, Date.now() - item.at)));
    return fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    }).then(function (res) {
      if (!res.ok || res.url.indexOf("/kiosk/thanks") < 0) throw new Error("not saved");
      return res.url;
    });
  }
  function flush() {
    var list = load();
    if (!list.length) return Promise.resolve();
    var rest = [];
    return list.reduce(function (p, item) {
      return p.then(function () { return send(item).catch(function () { rest.push(item); }); });
    }, Promise.resolve()).then(function () {
      store(rest);
      if (rest.length) say(form.dataset.pending.replace("%{n}", rest.length), true);
      else say(form.dataset.flushed, false);
    });
  }

  form.addEventListener("submit", function (ev) {
    var button = ev.submitter;
    if (!button || !button.value) return;
    ev.preventDefault();
    var item = { score: button.value, nonce: uuid(), at: Date.now() };
    form.classList.add("sending");
    say(form.dataset.sending, false);
    send(item).then(function (url) {
      window.location.href = url;
    }).catch(function () {
      var list = load();
      list.push(item);
      store(list);
      form.classList.remove("sending");
      say(form.dataset.offline, true);
    });
  });

  if (load().length) say(form.dataset.pending.replace("%{n}", load().length), true);
  setInterval(flush, 15000);
  flush();
})();

// The second step (answers to each element and a comment, after the faces), on every kiosk
// screen. Its form carries a client id (`cid`) that the server saves once however often it
// arrives. Sent with fetch: saved → the last screen; the network or the server down → the
// answers are kept on this device, the screen says so plainly, and every kiosk screen sends them
// again every 15 seconds until the server has answered.
(function () {
  "use strict";
  if (!window.fetch || !window.URLSearchParams) return;
  var KEY = "langnghe.kiosk.details";
  var URL_DETAILS = "/api/kiosk/details";
  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function store(list) {
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* storage full or off */ }
  }
  // `at`: when the visitor sent it; the server is told how long it waited here (`age`), so a
  // second step filled in time is saved even after a long time offline.
  function send(body, at) {
    var params = new URLSearchParams(body);
    params.set("age", String(Math.max(0, Date.now() - (at || Date.now()))));
    return fetch(URL_DETAILS, {
      method: "POST",
      body: params,
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    }).then(function (res) {
      // The server answered with the last screen: saved, saved before, or refused for good
      // (too late, another second step). `?e=1` or any other answer: to be sent again.
      if (!res.ok || res.url.indexOf("/kiosk/done") < 0 || res.url.indexOf("e=1") >= 0) {
        throw new Error("not saved");
      }
      return res.url;
    });
  }
  var busy = false;
  function flush() {
    var list = load();
    if (!list.length || busy) return;
    busy = true;
    var rest = [];
    list.reduce(function (p, item) {
      return p.then(function () { return send(item.body, item.at).catch(function () { rest.push(item); }); });
    }, Promise.resolve()).then(function () {
      // Items queued meanwhile (another tab is not expected on a kiosk, but keep them).
      var now = load().filter(function (i) {
        return !list.some(function (j) { return j.body === i.body; });
      });
      store(rest.concat(now));
      busy = false;
    });
  }
  window.langngheKioskPending = function () { return load().length; };

  var form = document.querySelector('form[data-kiosk="details"]');
  var status = document.getElementById("kiosk-status");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = new URLSearchParams(new FormData(form)).toString();
      form.classList.add("sending");
      if (status) { status.textContent = form.dataset.sending; status.className = "kiosk-status"; }
      var queued = function () {
        var list = load();
        if (!list.some(function (i) { return i.body === body; })) list.push({ body: body, at: Date.now() });
        store(list);
        // Plainly what happened; the form goes (nothing to fill in twice), the button back stays.
        form.hidden = true;
        if (status) { status.textContent = form.dataset.queued; status.className = "kiosk-status kiosk-saved"; }
      };
      if (navigator.onLine === false) { queued(); return; }
      send(body, Date.now()).then(function (url) { window.location.href = url; }).catch(queued);
    });
  }
  setInterval(flush, 15000);
  flush();
})();

// Forms on pages opened from a kiosk (feedback, sign-up): while the network is down a tap on
// "send" would show the browser's own error page and lose what was typed. Say it on the page
// instead, and keep the form as it is.
(function () {
  "use strict";
  var main = document.querySelector("main[data-offline-form]");
  if (!main) return;
  var status = document.getElementById("kiosk-status");
  document.addEventListener("submit", function (ev) {
    if (navigator.onLine !== false || ev.defaultPrevented) return;
    ev.preventDefault();
    if (status) { status.textContent = main.getAttribute("data-offline-form"); status.className = "kiosk-status kiosk-alert"; }
  });
})();

// Kiosk screens that go back to the faces by themselves (the thank-you screens, a case's code,
// every page opened from a kiosk) carry data-return="seconds" (the innermost one counts).
// Without this file a <noscript> meta refresh returns after a fixed time; with it the time
// counts only while nobody touches the screen or types, so a slow reader or writer is never cut
// off (WCAG 2.2.1), and the next visitor still finds the faces. It never leaves the page while
// the network is down (the browser would show its own error page): it asks the server first
// (navigator.onLine and a HEAD request) and tries again a little later.
(function () {
  "use strict";
  var all = document.querySelectorAll("[data-return]");
  if (!all.length) return;
  var el = all[all.length - 1];
  var to = el.getAttribute("data-return-to") || "/kiosk";
  var timer;
  function reachable() {
    if (navigator.onLine === false) return Promise.resolve(false);
    if (!window.fetch) return Promise.resolve(true);
    return fetch("/kiosk", { method: "HEAD", cache: "no-store", credentials: "same-origin" })
      .then(function (res) { return res.ok; })
      .catch(function () { return false; });
  }
  function go() {
    reachable().then(function (ok) {
      if (ok) window.location.replace(to);
      else { clearTimeout(timer); timer = setTimeout(go, 10000); }
    });
  }
  function arm() {
    // Read at every touch: the page may change its own wait.
    var secs = parseInt(el.getAttribute("data-return"), 10) || 90;
    clearTimeout(timer);
    timer = setTimeout(go, secs * 1000);
  }
  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (type) {
    document.addEventListener(type, arm, { passive: true, capture: true });
  });
  arm();
})();
