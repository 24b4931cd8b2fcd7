// Wagtail's admin, after an editor published or moved a page (the assistant's
// message carries a marker): asks until the assistant's rebuild is done, on this
// page and the next ones (sessionStorage), then shows its message among Wagtail's, in
// place of the one that said it was reading the change.
// Wagtail's privacy dialog reloads no page: when it closes ("w-privacy:changed"),
// the script asks what the new privacy does to the answers and shows that too.
(function () {
  var KEY = "site-assistant-waiting";
  var script = document.currentScript;
  var url = script && script.getAttribute("data-url");
  var privacyUrl = script && script.getAttribute("data-privacy-url");
  var store = window.sessionStorage;
  if (!url) return;
  var WAITING = "data-site-assistant-waiting";
  // The message saying the assistant is reading the change ("A message here says when
  // they do") gives way to the one that says what came of it: never both on screen.
  function show(state, waiting) {
    if (!state.message) return;
    if (!waiting) {
      document.querySelectorAll("[" + WAITING + "]").forEach(function (marker) {
        var item = marker.closest("li");
        if (item) item.remove();
      });
    }
    document.dispatchEvent(
      new CustomEvent("w-messages:add", { detail: { text: state.message, type: state.type } })
    );
    var added = document.querySelector(".messages li:last-child");
    if (waiting && added) added.setAttribute(WAITING, "");
  }
  function ask() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { done: false };
      })
      .then(function (state) {
        if (!state.done) return setTimeout(ask, 2000);
        store.removeItem(KEY);
        show(state);
      })
      .catch(function () {
        setTimeout(ask, 5000);
      });
  }
  if (privacyUrl) {
    document.addEventListener("w-privacy:changed", function () {
      fetch(privacyUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : {};
        })
        .then(function (state) {
          show(state, state.waiting);
          if (state.waiting) {
            store.setItem(KEY, "1");
            setTimeout(ask, 1000);
          }
        })
        .catch(function () {});
    });
  }
  if (document.querySelector("[" + WAITING + "]")) store.setItem(KEY, "1");
  if (!store.getItem(KEY)) return;
  setTimeout(ask, 1000);
})();
