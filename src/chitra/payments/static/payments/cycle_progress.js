// Payment cycle page: while a compute/export task runs, poll the JSON status endpoint and
// move the progress bar; reload once it is done (or has just turned stuck) so the server
// renders the new state.
// Served from static (CSP forbids inline scripts).
(function () {
  "use strict";
  var box = document.getElementById("cycle-task");
  if (!box || box.getAttribute("data-running") !== "1") { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("task-progress");

  function set(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = String(value); }
  }

  function count(n) {  // as the server's ``count`` filter: 12345 → 12.345
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (s) {
        if (bar) { bar.value = s.percent; bar.textContent = s.percent + "%"; }
        set("task-done", count(s.done));
        set("task-total", count(s.total));
        set("cycle-status", s.status_label);
        var newlyStuck = s.stuck && box.getAttribute("data-stuck") !== "1";
        if (!s.running || newlyStuck) { window.location.reload(); }
        else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());
