/* On a phone the app's lists show their filters above the list (admin.css), folded behind
   one "Filter" button that names what is chosen ("Filter: Unanswered"), so the list itself
   still starts on the first screen. Django stacks the filters under the list below 768 px,
   out of sight past every row. Without this script the filters sit above the list, open. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var nav = document.getElementById("changelist-filter");
  if (!nav) return;
  var chosen = [];
  nav.querySelectorAll("details").forEach(function (filter) {
    var selected = filter.querySelector("li.selected");
    // The first choice of every filter is "All" (or "Any date"): nothing chosen.
    if (selected && selected !== filter.querySelector("li")) {
      chosen.push(selected.textContent.trim());
    }
  });
  var toggle = document.createElement("button");
  toggle.type = "button";
  toggle.id = "search-admin-filter-toggle";
  toggle.className = "button search-admin__filter-toggle";
  // Django's own heading of the filters names the button, in the admin's language.
  var heading = document.getElementById("changelist-filter-header");
  var word = (heading && heading.textContent.trim()) || "Filter";
  toggle.textContent = chosen.length ? word + ": " + chosen.join(", ") : word;
  toggle.setAttribute("aria-controls", nav.id);
  toggle.setAttribute("aria-expanded", "false");
  toggle.addEventListener("click", function () {
    var open = nav.classList.toggle("search-admin--filters-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  nav.parentNode.insertBefore(toggle, nav);
  nav.parentNode.classList.add("search-admin--filters-folded");
});
