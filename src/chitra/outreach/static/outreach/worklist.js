// The worklist on a phone: a search box that filters the rows already on the page (name
// without accents, phone, ID digits shown; nothing goes into a URL), and the list kept for
// offline use — the offline worker (worklist_sw.js) is registered and this page, the contact
// forms of the first people on it and the assets are put in the signed-in user's cache.
// When nothing on the page matches, the search is POSTed to the server (a full ID).
// Served from static (CSP forbids inline scripts).
(function () {
  "use strict";
  var root = document.getElementById("worklist-root");
  var cfg = document.getElementById("outreach-offline");
  if (!root || !cfg) { return; }
  var T = cfg.dataset;
  var CACHE = "chitra-outreach-" + cfg.getAttribute("data-key");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#worklist tr[data-key]"));
  var input = document.getElementById("worklist-search");
  var shown = document.getElementById("worklist-shown");

  function fold(text) {
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ").trim().toLowerCase();
  }
  function search() {
    var q = fold(input.value);
    var digitsOnly = /^[+\d\s.\-]+$/.test(q);
    if (digitsOnly) { q = q.replace(/\D/g, ""); }
    var n = 0;
    rows.forEach(function (tr) {
      var hit = !q || tr.getAttribute("data-key").indexOf(q) !== -1;
      tr.hidden = !hit;
      if (hit) { n += 1; }
    });
    shown.hidden = !q;
    shown.textContent = n + " " + T.tMatching;
    document.getElementById("worklist-no-match").hidden = !q || n !== 0;
    return n;
  }

  function keep(cache, url) {  // fetch and keep one page; a failure leaves it out
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (r.ok && !r.redirected) { return cache.put(url, r); }
      return null;
    }).catch(function () { return null; });
  }
  function keepForms(cache, urls) {  // four at a time; the ones kept already stay
    var i = 0;
    function worker() {
      if (i >= urls.length) { return Promise.resolve(); }
      var url = urls[i];
      i += 1;
      return cache.match(url).then(function (hit) { return hit ? null : keep(cache, url); })
        .then(worker);
    }
    return Promise.all([worker(), worker(), worker(), worker()]);
  }
  function keepForOffline() {
    if (!("serviceWorker" in navigator) || !window.caches) { return; }
    navigator.serviceWorker.register(cfg.getAttribute("data-sw-url"),
                                     { scope: cfg.getAttribute("data-sw-scope") })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () {
        if (!navigator.onLine) { return null; }
        var limit = parseInt(root.getAttribute("data-offline-forms"), 10) || 0;
        var pages = [cfg.getAttribute("data-worklist-url")];
        if (!root.hasAttribute("data-searched")) { pages.push(window.location.href); }
        document.querySelectorAll("link[rel=stylesheet], link[rel=icon], script[src]")
          .forEach(function (el) { pages.push(el.href || el.src); });
        var forms = Array.prototype.slice.call(document.querySelectorAll("#worklist a[data-contact]"))
          .slice(0, limit).map(function (a) { return a.href; });
        return window.caches.open(CACHE).then(function (cache) {
          return Promise.all(pages.map(function (u) { return keep(cache, u); }))
            .then(function () { return keepForms(cache, forms); });
        });
      })
      .then(function () {
        root.setAttribute("data-offline-ready", "1");
        var note = document.getElementById("offline-ready");
        note.textContent = navigator.onLine ? T.tReady : T.tOffline;
        note.hidden = false;
      })
      .catch(function () { /* no offline copy: the page still works online */ });
  }

  input.addEventListener("input", search);
  document.getElementById("worklist-search-form").addEventListener("submit", function (event) {
    // Found on the page, or no network: no need to ask the server. Empty after a search
    // made on the server: the whole list again.
    if (!input.value.trim()) {
      if (!root.hasAttribute("data-searched")) { event.preventDefault(); }
      return;
    }
    if (search() > 0 || !navigator.onLine) { event.preventDefault(); }
  });
  if (input.value) { search(); }
  window.addEventListener("offline", function () {
    var note = document.getElementById("offline-ready");
    note.textContent = T.tOffline;
    note.hidden = false;
  });
  keepForOffline();
}());
