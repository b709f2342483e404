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

// Kiosk screens that go back to the faces by themselves (the thank-you screens, a case's code)
// carry data-return="seconds". Without this file a <noscript> meta refresh returns after that
// fixed time; with it the time counts only while nobody touches the screen or types, so a slow
// reader or writer is never cut off (WCAG 2.2.1), and the next visitor still finds the faces.
(function () {
  "use strict";
  var el = document.querySelector("[data-return]");
  if (!el) return;
  var secs = parseInt(el.getAttribute("data-return"), 10) || 90;
  var to = el.getAttribute("data-return-to") || "/kiosk";
  var timer;
  function arm() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location.replace(to); }, secs * 1000);
  }
  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (type) {
    document.addEventListener(type, arm, { passive: true, capture: true });
  });
  arm();
})();
