// Wagtail's admin, after an editor published or moved a page (the assistant's
// message carries a marker): asks until the assistant's rebuild is done, on this
// page and the next ones (sessionStorage), then shows its message among Wagtail's.
(function () {
  var KEY = "site-assistant-waiting";
  var script = document.currentScript;
  var url = script && script.getAttribute("data-url");
  var store = window.sessionStorage;
  if (!url) return;
  if (document.querySelector("[data-site-assistant-waiting]")) store.setItem(KEY, "1");
  if (!store.getItem(KEY)) return;
  function ask() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { done: false };
      })
      .then(function (state) {
        if (!state.done) return setTimeout(ask, 2000);
        store.removeItem(KEY);
        if (state.message) {
          document.dispatchEvent(
            new CustomEvent("w-messages:add", { detail: { text: state.message, type: state.type } })
          );
        }
      })
      .catch(function () {
        setTimeout(ask, 5000);
      });
  }
  setTimeout(ask, 1000);
})();
