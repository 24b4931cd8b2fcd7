/* An index build's admin page, while the build is queued or running: poll its
   status (fetch; the admin's JSON, which also says why a queued build waits, and the
   time left this page estimates in words) and update the progress box in place until the status
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
    // Time left, from the pace of the embedding stage as this page saw it: the
    // stage that takes long on a big site, and moves evenly (batch by batch);
    // the bar's other stages do not say how long the embedding will take.
    var EMBED_END = 90, pace = null;
    function timeLeft(b) {
      if (b.status !== "running" || b.stage !== "embed") { pace = null; return ""; }
      var now = Date.now();
      if (!pace) { pace = {t: now, p: b.progress}; return ""; }
      var seconds = (now - pace.t) / 1000, moved = b.progress - pace.p;
      if (seconds < 3 || moved <= 0) return "";
      var left = (EMBED_END - b.progress) * seconds / moved;
      return left;
    }
    // The estimate goes to the server with the next poll, which says it in the owner's
    // language (its plural forms too) as time_left.
    var estimate = "";
    function show(b) {
      var bar = box.querySelector("progress");
      bar.value = b.progress;
      // "40%", "40 %" in German: the server writes the percent in the owner's language.
      var done = b.progress_words || b.progress + "%";
      bar.textContent = done;
      set("progress", done);
      var seconds = timeLeft(b);
      var left = estimate !== "" && seconds !== "" ? b.time_left || "" : "";
      estimate = seconds === "" ? "" : String(Math.round(seconds));
      set("time_left", left);
      var wrap = box.querySelector('[data-field="time_left_wrap"]');
      if (wrap) wrap.hidden = !left;
      set("stage", b.stage_words || b.stage || "–");
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
      var url = new URL(box.dataset.statusUrl, window.location.href);
      if (estimate !== "") url.searchParams.set("left", estimate);
      fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
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
