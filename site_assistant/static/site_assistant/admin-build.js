/* An index build's admin page, while the build is queued or running: poll its
   status (fetch; the admin's JSON, which also says why a queued build waits) and update the progress box in place until the status
   changes; then reload the page once, so its title, breadcrumb and fields
   all say the new status (started, finished, counts), not only the box.
   (A file, not an inline script, so a Content-Security-Policy needs no
   'unsafe-inline' for scripts.) */
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("build-progress");
    if (!box || box.dataset.active !== "1" || !box.dataset.statusUrl) return;
    var labels = {};
    try { labels = JSON.parse(box.dataset.labels || "{}"); } catch (e) { labels = {}; }
    function set(name, value) {
      var node = box.querySelector('[data-field="' + name + '"]');
      if (node) node.textContent = value;
    }
    function show(b) {
      box.querySelector("progress").value = b.progress;
      set("progress", b.progress);
      set("stage", b.stage || "–");
      set("status", labels[b.status] || b.status);
      // The counts are known once the build has written the index: not "0 pages" before.
      ["pages", "passages", "embedded", "reused", "removed"].forEach(function (k) { set(k, b[k]); });
      var counts = box.querySelector('[data-field="counts"]');
      if (counts) counts.hidden = b.status !== "succeeded";
      var error = box.querySelector('[data-field="error"]');
      if (error && b.error) { error.textContent = b.error; error.hidden = false; }
      // Queued with no worker to take it (or the task queue down): said here, not only on the overview.
      var waiting = box.querySelector('[data-field="waiting"]');
      if (waiting) { waiting.textContent = b.waiting || ""; waiting.hidden = !b.waiting; }
    }
    function tick() {
      fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (b) {
          show(b);
          if (b.status !== box.dataset.status) {
            box.dataset.active = "0";
            window.location.reload();  // the server's page: every field says the new status
          } else {
            setTimeout(tick, 1000);
          }
        })
        .catch(function () { setTimeout(tick, 4000); });
    }
    setTimeout(tick, 500);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
