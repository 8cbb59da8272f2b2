// Import job page: poll the JSON status endpoint and update the progress bar.
// Served from static (CSP forbids inline scripts). Reloads the page once the job is done
// so the final counts, problems and report link are rendered by the server.
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box || box.getAttribute("data-finished") === "1") { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-progress");
  var fields = ["rows_done", "rows_total", "created", "updated", "unchanged"];

  // Counts with the Vietnamese thousand separator, as the server writes them (12.345).
  function grouped(value) {
    return typeof value === "number" ? String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ".") : String(value);
  }

  function set(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = grouped(value); }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        if (bar) { bar.value = s.percent; bar.textContent = s.percent + "%"; }
        set("import-status", s.status_label);
        set("import-invalid", s.rows_invalid);
        fields.forEach(function (f) { set("import-" + f.replace("_", "-"), s[f]); });
        if (s.finished) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());
