// Contacts recorded on a phone survive a lost connection: the form's entry (with its
// client-made id) is kept in localStorage and sent to the JSON endpoint; when sending fails
// it stays queued and is retried when the browser is back online or a page loads. The
// server stores an entry id once, so an entry sent twice is stored once.
// Served from static (CSP forbids inline scripts).
(function () {
  "use strict";
  var KEY = "chitra.outreach.queue";

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { window.localStorage.setItem(KEY, JSON.stringify(queue)); }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)(?:__Host-)?csrftoken=([^;]+)/);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : (m ? decodeURIComponent(m[1]) : "");
  }

  function send(url, entry) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(),
                 "Accept": "application/json" },
      body: JSON.stringify(entry)
    }).then(function (r) {
      if (r.status === 200 || r.status === 201) { return "stored"; }
      if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
        return r.json().then(function (b) { return "refused:" + (b.message || b.error); },
                             function () { return "refused:" + r.status; });
      }
      throw new Error(String(r.status));
    });
  }

  function flush(url, done) {
    var queue = load();
    if (!queue.length) { if (done) { done(); } return; }
    var entry = queue[0];
    send(url, entry).then(function (result) {
      var rest = load().filter(function (e) { return e.client_ref !== entry.client_ref; });
      var refused = result.indexOf("refused:") === 0 ? result.slice(8) : null;
      if (refused && form && entry.client_ref === form.elements.client_ref.value) {
        save(rest);  // this form's own entry: say why here, the user corrects and saves again
        var box = document.getElementById("contact-error");
        box.textContent = refused;
        box.hidden = false;
        document.getElementById("contact-offline-note").hidden = true;
        return;
      }
      if (refused) {
        entry.refused = refused;
        rest.push(entry);  // kept for the user to see, not resent
      }
      save(rest);
      if (rest.length && !rest[0].refused) { flush(url, done); } else { show(); if (done) { done(); } }
    }).catch(function () { show(); });
  }

  function show() {
    var box = document.getElementById("offline-queue");
    if (!box) { return; }
    var queue = load();
    box.hidden = queue.length === 0;
    var text = document.getElementById("offline-count");
    if (text) {
      text.textContent = queue.length + " phiếu đang chờ gửi / entries waiting to be sent" +
        queue.filter(function (e) { return e.refused; }).map(function (e) {
          return " — " + e.refused; }).join("");
    }
  }

  var form = document.getElementById("contact-form");
  var holder = form || document.getElementById("offline-queue");
  var url = holder ? holder.getAttribute("data-api-url") : null;
  var leave = null;  // after this form's entry is sent: back to the worklist
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var entry = {};
      new FormData(form).forEach(function (value, key) {
        if (key !== "csrfmiddlewaretoken") { entry[key] = String(value); }
      });
      var queue = load().filter(function (e) { return e.client_ref !== entry.client_ref; });
      queue.push(entry);
      save(queue);
      leave = function () { window.location.href = form.getAttribute("data-done-url"); };
      flush(url, leave);
      if (!navigator.onLine) {
        document.getElementById("contact-offline-note").hidden = false;
      }
    });
  }
  if (url) {
    show();
    window.addEventListener("online", function () { flush(url, leave); });
    if (navigator.onLine) { flush(url); }
  }
}());
