/* An index build's admin page, while the build is queued or running: poll its
   status and reload once it has finished. (A file, not an inline script, so a
   Content-Security-Policy needs no 'unsafe-inline' for scripts.) */
(function () {
  var box = document.getElementById("build-progress");
  if (!box || box.dataset.active !== "1") return;
  var url = box.dataset.statusUrl;
  function tick() {
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (b) {
        box.querySelector("progress").value = b.progress;
        box.querySelector('[data-field="progress"]').textContent = b.progress;
        box.querySelector('[data-field="stage"]').textContent = b.stage || "–";
        box.querySelector('[data-field="status"]').textContent = b.status;
        if (b.status === "queued" || b.status === "running") setTimeout(tick, 1500);
        else location.reload();
      })
      .catch(function () { setTimeout(tick, 4000); });
  }
  setTimeout(tick, 1000);
})();
