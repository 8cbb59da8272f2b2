// Contacts recorded on a phone survive a lost connection. Each entry (with a client-made id)
// is kept in localStorage, under a key of the signed-in user, and sent to the JSON endpoint;
// it shows "Chưa gửi" (waiting on the phone) until the server has it, then "Đã lưu". Sending
// is retried when the browser is back online or a page loads; the server stores an entry id
// once, so an entry sent twice is stored once. Entries the server has are kept a few days so
// the worklist can show them, then dropped. Logging out clears the phone (the server sends
// Clear-Site-Data; this script does it too, after asking if entries are still unsent).
// Served from static (CSP forbids inline scripts).
(function () {
  "use strict";
  var cfg = document.getElementById("outreach-offline");
  if (!cfg || !cfg.getAttribute("data-key")) { return; }
  var T = cfg.dataset;
  var KEY = "chitra.outreach.queue." + cfg.getAttribute("data-key");
  var PREFIX = "chitra.outreach.";
  var CACHES = "chitra-outreach-";
  var API = cfg.getAttribute("data-api-url");
  var KEEP_SENT = 3 * 24 * 3600 * 1000;  // ms
  var form = document.getElementById("contact-form");
  var leave = null;  // after this form's entry is stored: back to the worklist
  var busy = false;

  function load() {
    try {
      var q = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(q) ? q : [];
    } catch (e) { return []; }
  }
  function save(queue) { window.localStorage.setItem(KEY, JSON.stringify(queue)); }
  function prune(queue) {
    var now = Date.now();
    return queue.filter(function (e) {
      return e._state !== "sent" || now - (e._at || 0) <= KEEP_SENT;
    });
  }
  function update(ref, change) {
    save(load().map(function (e) {
      if (e.client_ref === ref) { Object.keys(change).forEach(function (k) { e[k] = change[k]; }); }
      return e;
    }));
  }
  function payload(entry) {
    var out = {};
    Object.keys(entry).forEach(function (k) { if (k.charAt(0) !== "_") { out[k] = entry[k]; } });
    return out;
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)(?:__Host-)?csrftoken=([^;]+)/);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return m ? decodeURIComponent(m[1]) : (field ? field.value : "");
  }
  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }
  function localNow() {
    var d = new Date();
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" +
      p(d.getHours()) + ":" + p(d.getMinutes());
  }
  function when(text) {  // "2026-05-04T09:30" → "04/05 09:30"
    var m = /^\d{4}-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(text || "");
    return m ? m[2] + "/" + m[1] + " " + m[3] : "";
  }

  function send(entry) {
    return fetch(API, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(),
                 "Accept": "application/json" },
      body: JSON.stringify(payload(entry))
    }).then(function (r) {
      if (r.status === 200 || r.status === 201) { return { ok: true }; }
      if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
        return r.json().then(function (b) { return { refused: b.message || b.error }; },
                             function () { return { refused: String(r.status) }; });
      }
      throw new Error(String(r.status));
    });
  }

  // One entry at a time, oldest first; stops at the first network failure.
  function flush() {
    if (busy) { return; }
    var next = load().filter(function (e) { return e._state === "local"; })[0];
    if (!next) { render(); return; }
    busy = true;
    send(next).then(function (result) {
      busy = false;
      var own = form && next.client_ref === form.elements.client_ref.value;
      if (result.ok) {
        update(next.client_ref, { _state: "sent", _at: Date.now() });
      } else if (own) {  // this form's own entry: say why here, the user corrects and saves
        save(load().filter(function (e) { return e.client_ref !== next.client_ref; }));
        var box = document.getElementById("contact-error");
        box.textContent = result.refused;
        box.hidden = false;
        document.getElementById("contact-offline-note").hidden = true;
        document.getElementById("contact-state").hidden = true;
        return;
      } else {
        update(next.client_ref, { _state: "refused", _msg: result.refused });
      }
      render();
      if (own && result.ok && leave) { leave(); return; }
      flush();
    }).catch(function () { busy = false; render(); });
  }

  function stateText(e) {
    if (e._state === "sent") { return [T.tSent, T.tSentHint]; }
    if (e._state === "refused") { return [T.tRefused, e._msg || ""]; }
    return [T.tLocal, T.tLocalHint];
  }
  function chip(el, e) {
    el.textContent = stateText(e)[0];
    el.className = "chip entry-state chip-" + (e._state === "sent" ? "saved"
      : e._state === "refused" ? "rejected" : "unsent");
    el.setAttribute("data-state", e._state);
    el.hidden = false;
  }

  function render() {
    var queue = load();
    var waiting = queue.filter(function (e) { return e._state === "local"; }).length;
    var box = document.getElementById("offline-queue");
    if (box) {
      box.hidden = queue.length === 0;
      document.getElementById("offline-count").textContent = waiting ? waiting + " " + T.tWaiting : "";
      var list = document.getElementById("offline-entries");
      list.textContent = "";
      queue.slice().reverse().forEach(function (e) {
        var li = document.createElement("li");
        li.setAttribute("data-entry", e.client_ref);
        li.setAttribute("data-beneficiary", e.beneficiary_id);
        var c = document.createElement("span");
        chip(c, e);
        var who = document.createElement("span");
        who.textContent = " " + (e._name || "") + " · " + when(e.contacted_at) + " — " + stateText(e)[1];
        li.appendChild(c);
        li.appendChild(who);
        list.appendChild(li);
      });
    }
    var latest = {};
    queue.forEach(function (e) { latest[e.beneficiary_id] = e; });
    document.querySelectorAll("tr[data-beneficiary]").forEach(function (tr) {
      var e = latest[tr.getAttribute("data-beneficiary")];
      var el = tr.querySelector(".entry-state");
      if (!el) { return; }
      if (e) { chip(el, e); } else { el.hidden = true; }
    });
    if (form) {
      var mine = queue.filter(function (e) { return e.client_ref === form.elements.client_ref.value; })[0];
      var state = document.getElementById("contact-state");
      state.hidden = !mine;
      if (mine) {
        chip(state.querySelector(".entry-state"), mine);
        state.querySelector(".entry-hint").textContent = stateText(mine)[1];
        document.getElementById("contact-offline-note").hidden = mine._state !== "local";
      }
    }
  }

  function clearOnLogout(event) {
    var f = event.target;
    var unsent = load().some(function (e) { return e._state === "local"; });
    if (unsent && !window.confirm(T.tLogoutPending)) { event.preventDefault(); return; }
    for (var i = window.localStorage.length - 1; i >= 0; i -= 1) {
      var k = window.localStorage.key(i);
      if (k && k.indexOf(PREFIX) === 0) { window.localStorage.removeItem(k); }
    }
    if (!window.caches) { return; }
    event.preventDefault();  // the kept pages go first, then the logout itself
    var done = function () { f.submit(); };
    window.caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(CACHES) === 0; })
        .map(function (n) { return window.caches.delete(n); }));
    }).then(done, done);
  }

  if (form) {
    form.elements.client_ref.value = newId();  // a kept page is used for many entries
    if (!form.hasAttribute("data-entered")) { form.elements.contacted_at.value = localNow(); }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var entry = {};
      new FormData(form).forEach(function (value, key) {
        if (key !== "csrfmiddlewaretoken") { entry[key] = String(value); }
      });
      entry._state = "local";
      entry._at = Date.now();
      entry._name = (document.getElementById("person-name") || {}).textContent || "";
      document.getElementById("contact-error").hidden = true;
      var queue = load().filter(function (e) { return e.client_ref !== entry.client_ref; });
      queue.push(entry);
      save(queue);
      leave = function () { window.location.href = cfg.getAttribute("data-worklist-url"); };
      render();
      flush();
    });
  }
  document.querySelectorAll("form.logout").forEach(function (f) {
    f.addEventListener("submit", clearOnLogout);
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", render);
  save(prune(load()));
  render();
  if (navigator.onLine) { flush(); }
}());
