/* A training run's page while the run is queued or running: poll its small JSON
   status and update the box in place (progress, stage, time left); the status
   line sits in a polite live region and changes only when the stage does, not
   at every percent. When the status itself changes the page reloads once, so
   everything on it (title, Started, results) says the new status. */
(function () {
  "use strict";
  var box = document.getElementById("training-progress");
  // A finished run whose model waits for its index build: polled until it is live.
  if (!box || (box.dataset.active !== "1" && box.dataset.rebuilding !== "1")) return;
  var url = box.dataset.statusUrl;
  var field = function (name) { return box.querySelector('[data-field="' + name + '"]'); };
  var delay = 2000;

  // How long the run has been queued or running, counted on every second from the
  // server's figure at the last poll: the page shows it is alive while a long step
  // keeps the progress where it is.
  var clock = field("elapsed");
  var since = clock ? { seconds: Number(clock.dataset.seconds), at: Date.now() } : null;
  // The words, in the owner's language, from the server (the template's data-words):
  // "running for %(time)s", "%(minutes)s min %(seconds)s s", …
  var words = {};
  try { words = JSON.parse(box.dataset.words || "{}"); } catch (e) { words = {}; }
  function say(key, fallback, values) {
    return (words[key] || fallback).replace(/%\((\w+)\)s/g, function (all, name) {
      return name in values ? values[name] : all;
    });
  }
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(seconds / 3600), minutes = Math.floor(seconds % 3600 / 60), secs = seconds % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    if (hours) return say("hours", "%(hours)s h %(minutes)s min", { hours: hours, minutes: two(minutes) });
    if (minutes) return say("minutes", "%(minutes)s min %(seconds)s s", { minutes: minutes, seconds: two(secs) });
    return say("seconds", "%(seconds)s s", { seconds: secs });
  }
  function tock() {
    if (!since) return;
    var state = clock.dataset.state === "queued" ? "queued" : "running";
    clock.textContent = say(state, state + " for %(time)s", {
      time: duration(since.seconds + (Date.now() - since.at) / 1000)
    });
  }
  if (clock) setInterval(tock, 1000);

  function show(run) {
    var bar = box.querySelector("progress");
    bar.value = run.progress;
    // "40 %" in German: the server writes the percent in the owner's language.
    var done = run.progress_words || run.progress + "%";
    bar.textContent = done;
    field("progress").textContent = done;
    var stage = run.stage_words || run.stage || "–";
    // Only a change of text is announced (the live region is the status line).
    if (field("status").textContent !== run.status_display) field("status").textContent = run.status_display;
    if (field("stage").textContent !== stage) field("stage").textContent = stage;
    field("time_left").textContent = run.time_left || "";
    field("time_left_wrap").hidden = !run.time_left;
    field("activated").textContent = run.activated;
    if (clock && run.elapsed_seconds !== null && run.elapsed_seconds !== undefined) {
      since = { seconds: run.elapsed_seconds, at: Date.now() };
      clock.dataset.state = run.status;
      clock.textContent = run.elapsed;
    }
    if (run.decision && field("decision")) { field("decision").textContent = run.decision; field("decision").parentNode.hidden = false; }
    if (run.error) { field("error").textContent = run.error; field("error").hidden = false; }
    // Queued with no worker to take it (or the task queue down): said here too.
    field("waiting").textContent = run.waiting || "";
    field("waiting").hidden = !run.waiting;
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (run) {
        show(run);
        var rebuilt = box.dataset.rebuilding === "1" && !run.rebuilding;
        if (run.status !== box.dataset.status || rebuilt) {
          // Queued → running → finished: reload once, so the title, the breadcrumb,
          // Started and (at the end) the results all say the new status too.
          box.dataset.active = "0";
          window.location.reload();
        } else if (run.active || run.rebuilding) {
          setTimeout(tick, delay);
        }
      })
      .catch(function () { setTimeout(tick, delay * 2); });
  }
  setTimeout(tick, delay);
})();
