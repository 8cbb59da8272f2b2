// The payment-day screen works without a network, like the outreach contact form: each tick
// is kept in localStorage with a client-made id ("đã lưu trên máy") and sent as JSON to the
// sync endpoint when the phone is online or the officer taps "Gửi ngay"; the server answers
// per id ("đã gửi", or why not). A small service worker keeps this page and its assets so a
// reload without network still shows the list. Totals are computed here, live, from the
// amounts on the page. Served from static (CSP forbids inline scripts).
// Nothing outlives its use on a shared phone: marks untouched for a week are dropped, and
// logging out clears the kept pages and the marks (the server sends Clear-Site-Data; this
// page does it too, for browsers that ignore it, after asking if marks are still unsent).
(function () {
  "use strict";
  var root = document.getElementById("payment-day");
  if (!root) { return; }
  var KEY = root.getAttribute("data-key");
  var URL_SYNC = root.getAttribute("data-sync-url");
  var CACHE = "chitra-payment-day-v1";
  var PREFIX = "chitra.paymentday.";  // KEY starts with it: one entry per point and day
  var MAX_AGE = 7 * 24 * 3600 * 1000;  // ms: a payment day's marks are sent within the week
  var T = document.getElementById("pd-texts").dataset;
  var people = Array.prototype.slice.call(document.querySelectorAll(".pd-person"));
  var $ = function (id) { return document.getElementById(id); };

  function load() {
    try {
      var s = JSON.parse(window.localStorage.getItem(KEY) || "null");
      if (s && typeof s.marks === "object") { return s; }
    } catch (e) { /* a damaged entry starts again empty */ }
    return { marks: {}, close: null };
  }
  function save(s) { s.at = Date.now(); window.localStorage.setItem(KEY, JSON.stringify(s)); }
  function ours() {  // every payment day's entry on this phone
    var keys = [];
    for (var i = 0; i < window.localStorage.length; i += 1) {
      var k = window.localStorage.key(i);
      if (k && k.indexOf(PREFIX) === 0) { keys.push(k); }
    }
    return keys;
  }
  function expireOld() {
    var now = Date.now();
    ours().forEach(function (k) {
      var at = 0;
      try { at = (JSON.parse(window.localStorage.getItem(k)) || {}).at || 0; } catch (e) { /* damaged */ }
      if (!(now - at <= MAX_AGE)) { window.localStorage.removeItem(k); }
    });
  }
  function unsent() {
    var s = load();
    return Object.keys(s.marks).some(function (k) { return s.marks[k].state === "local"; }) ||
      !!(s.close && s.close.state === "local");
  }
  function clearOnLogout(event) {
    var form = event.target;
    if (unsent() && !window.confirm(T.logoutPending)) { event.preventDefault(); return; }
    ours().forEach(function (k) { window.localStorage.removeItem(k); });
    if (!window.caches) { return; }
    event.preventDefault();  // the kept pages go first, then the logout itself
    var done = function () { form.submit(); };
    window.caches.delete(CACHE).then(done, done);
  }
  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function count(n) {  // as the server's ``count`` filter: 12345 → 12.345
    return (n < 0 ? "-" : "") + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }
  function vnd(n) {
    return count(n) + " ₫";
  }
  function fold(text) {
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ").trim().toLowerCase();
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)(?:__Host-)?csrftoken=([^;]+)/);
    var field = root.querySelector("input[name=csrfmiddlewaretoken]");
    return m ? decodeURIComponent(m[1]) : (field ? field.value : "");
  }

  // What a person shows: a mark not yet sent wins, then what the server recorded, then a
  // mark sent since this page was made (a page kept for offline use is older than its marks).
  function shown(li, s) {
    var m = s.marks[li.getAttribute("data-item")];
    if (m && m.state !== "sent") { return m; }
    if (li.getAttribute("data-result")) {
      return { result: li.getAttribute("data-result"), reason: li.getAttribute("data-reason"),
               state: "sent" };
    }
    return m || null;
  }

  function reasonLabel(li, reason) {
    var b = li.querySelector('.pd-not[data-reason="' + reason + '"]');
    return b ? b.textContent.toLowerCase() : reason;
  }

  function render() {
    var s = load();
    var t = { people: 0, amount: 0, paid: 0, paidAmount: 0, not: 0 };
    var pending = 0;
    people.forEach(function (li) {
      var m = shown(li, s);
      var amount = parseInt(li.getAttribute("data-amount"), 10) || 0;
      t.people += 1;
      t.amount += amount;
      if (m && m.result === "paid") { t.paid += 1; t.paidAmount += amount; }
      if (m && m.result === "not_collected") { t.not += 1; }
      if (m && m.state === "local") { pending += 1; }
      li.querySelectorAll(".pd-btn").forEach(function (b) {
        var on = !!m && m.result === b.getAttribute("data-result") &&
          (m.result === "paid" || m.reason === b.getAttribute("data-reason"));
        b.setAttribute("aria-pressed", on ? "true" : "false");
      });
      li.className = "pd-person" + (m ? (m.result === "paid" ? " is-paid" : " is-not") : "") +
        (m ? " is-" + m.state : "");
      var state = li.querySelector(".pd-state");
      var what = !m ? "" : (m.result === "paid" ? T.paid
        : T.not + " — " + reasonLabel(li, m.reason)) + " · ";
      state.setAttribute("data-state", m ? m.state : "none");
      state.textContent = !m ? T.none : what + (T[m.state] || m.state) +
        (m.message ? ": " + m.message : "");
    });
    var unmarked = t.people - t.paid - t.not;
    var back = t.amount - t.paidAmount;
    $("pd-people").textContent = count(t.people);
    $("pd-amount").textContent = vnd(t.amount);
    $("pd-paid").textContent = count(t.paid);
    $("pd-paid-amount").textContent = vnd(t.paidAmount);
    $("pd-not-collected").textContent = count(t.not);
    $("pd-unmarked").textContent = count(unmarked);
    $("pd-hand-back").textContent = vnd(back);
    var closing = s.close && s.close.state === "local";
    $("pd-pending").textContent = pending || closing ?
      (count(pending) + " " + T.pending + (closing ? " · " + T.closeLocal : "")) : T.nothing;
    renderNet();
    checkCash(unmarked, back, s);
  }

  function renderNet() {
    var chip = $("pd-online");
    chip.textContent = navigator.onLine ? T.online : T.offline;
    chip.className = "chip " + (navigator.onLine ? "pd-chip-online" : "pd-chip-offline");
  }

  function cashValue() {
    var digits = $("pd-cash").value.replace(/\D/g, "");
    return digits === "" ? null : parseInt(digits, 10);
  }

  function checkCash(unmarked, back, s) {
    var cash = cashValue();
    var box = $("pd-cash-check");
    var note = $("pd-note").value.trim();
    var matches = cash !== null && cash === back;
    if (cash === null) {
      box.textContent = T.enter;
      box.className = "pd-check";
    } else if (matches) {
      box.textContent = vnd(cash) + " — " + T.match;
      box.className = "pd-check pd-ok";
    } else {
      box.textContent = (cash > back ? T.more : T.less) + " " + vnd(Math.abs(cash - back)) +
        " (" + vnd(cash) + " / " + vnd(back) + "). " + T.explain;
      box.className = "pd-check pd-bad";
    }
    var why = [];
    if (unmarked) { why.push(count(unmarked) + " " + T.unmarked); }
    if (cash !== null && !matches && !note) { why.push(T.explain); }
    var closedHere = s.close && (s.close.state === "sent");
    if (closedHere || (root.getAttribute("data-closed") && !s.close)) { why.push(T.closed); }
    if (s.close && s.close.state === "refused" && s.close.message) { why.push(s.close.message); }
    $("pd-close-why").textContent = why.join(" · ");
    $("pd-close-btn").disabled = !!unmarked || cash === null || (!matches && !note) ||
      !!(s.close && s.close.state === "local");
  }

  function tick(li, button) {
    var s = load();
    var item = li.getAttribute("data-item");
    var result = button.getAttribute("data-result");
    var reason = result === "paid" ? null : button.getAttribute("data-reason");
    var m = s.marks[item];
    if (m && m.state === "local" && m.result === result && (m.reason || null) === reason) {
      delete s.marks[item];  // the same button again: undo a tick not yet sent
    } else {
      s.marks[item] = { id: newId(), item: parseInt(item, 10), result: result, reason: reason,
                        state: "local" };
    }
    save(s);
    render();
    soon();
  }

  var timer = null;
  function soon() {  // a few ticks in a row go in one file, not one file each
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(function () { timer = null; if (navigator.onLine) { sync(); } },
                              3000);
  }

  var syncing = false;
  function sync() {
    var s = load();
    var marks = Object.keys(s.marks).map(function (k) { return s.marks[k]; })
      .filter(function (m) { return m.state === "local"; });
    var close = s.close && s.close.state === "local" ? s.close : null;
    if (syncing || (!marks.length && !close)) { render(); return; }
    syncing = true;
    var body = { marks: marks.map(function (m) {
      var out = { id: m.id, item: m.item, result: m.result };
      if (m.reason) { out.reason = m.reason; }
      return out;
    }) };
    if (close) { body.close = { id: close.id, cash_returned: close.cash_returned, note: close.note }; }
    fetch(URL_SYNC, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(),
                 "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (b) { return { status: r.status, body: b }; },
                           function () { return { status: r.status, body: {} }; });
    }).then(function (res) {
      answered(res.status, res.body, marks, close);
    }).catch(function () { /* offline: everything stays on the phone */ })
      .then(function () { syncing = false; render(); });
  }

  function answered(status, body, sent, close) {
    var s = load();  // ticks made while waiting are kept as they are
    var byId = {};
    Object.keys(s.marks).forEach(function (k) { byId[s.marks[k].id] = s.marks[k]; });
    var error = $("pd-error");
    error.hidden = true;
    if (status === 200 && body.totals) {
      Object.keys(body.outcomes || {}).forEach(function (id) {
        var m = byId[id];
        var o = body.outcomes[id];
        if (!m) { return; }
        m.state = o.state === "kept" ? "local" : o.state;
        m.message = o.message || "";
      });
      if (close && s.close && s.close.id === close.id) {
        if (body.closed && body.closed.id === close.id) {
          s.close.state = "sent";
          root.setAttribute("data-closed", close.id);
        } else if (body.close_problems && body.close_problems.length) {
          s.close.state = "refused";
          s.close.message = body.close_problems.map(function (p) { return p.message; }).join(" ");
        }
      }
    } else if (status === 400 && body.problems) {
      body.problems.forEach(function (p) {
        if (p.id && byId[p.id]) { byId[p.id].state = "refused"; byId[p.id].message = p.message; }
      });
      error.textContent = body.message || "";
      error.hidden = false;
    } else {  // a server error, or the login page after the session ended
      error.textContent = T.server + " (" + status + ")";
      error.hidden = false;
    }
    save(s);
  }

  function closeDay() {
    var s = load();
    s.close = { id: newId(), cash_returned: cashValue(), note: $("pd-note").value.trim(),
                state: "local" };
    save(s);
    render();
    if (navigator.onLine) { sync(); }
  }

  function search() {
    var q = fold($("pd-search").value);
    var shownCount = 0;
    people.forEach(function (li) {
      var hit = !q || li.getAttribute("data-key").indexOf(q) !== -1;
      li.hidden = !hit;
      if (hit) { shownCount += 1; }
    });
    $("pd-no-match").hidden = shownCount !== 0;
  }

  function keepForOffline() {
    if (!("serviceWorker" in navigator) || !window.caches) { return; }
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"),
                                     { scope: root.getAttribute("data-sw-scope") })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () {
        if (!navigator.onLine) { return null; }
        var urls = [window.location.href];
        document.querySelectorAll("link[rel=stylesheet], link[rel=icon], script[src]")
          .forEach(function (el) { urls.push(el.href || el.src); });
        return window.caches.open(CACHE).then(function (c) { return c.addAll(urls); });
      })
      .then(function () {
        root.setAttribute("data-offline-ready", "1");
        $("pd-pending").title = T.ready;
      })
      .catch(function () { /* no offline copy: the page still works online */ });
  }

  people.forEach(function (li) {
    li.querySelectorAll(".pd-btn").forEach(function (b) {
      b.addEventListener("click", function () { tick(li, b); });
    });
  });
  $("pd-search").addEventListener("input", search);
  $("pd-cash").addEventListener("input", render);
  $("pd-note").addEventListener("input", render);
  $("pd-sync").addEventListener("click", sync);
  $("pd-close-btn").addEventListener("click", closeDay);
  window.addEventListener("online", function () { render(); sync(); });
  window.addEventListener("offline", render);
  document.querySelectorAll("form.logout").forEach(function (f) {
    f.addEventListener("submit", clearOnLogout);
  });
  expireOld();
  render();
  keepForOffline();
  if (navigator.onLine) { sync(); }
}());
