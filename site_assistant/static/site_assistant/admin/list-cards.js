/* On a phone (admin.css, below 768 px) the Index builds, Training runs, Questions and Example
   questions lists read as one card a row, each value beside its column's name, instead of a
   table wider than the screen (475 and 1,014 px against 360: the headings and Django's sort
   icons set the widths). This names every cell after its column; without this script the table scrolls in
   its box. */
"use strict";
(function () {
  // The words above the headings that sort the cards ("Sort by"), in the owner's language:
  // this script's data-sort-label, which admin.css shows from the header row's.
  var script = document.currentScript;
  var sortLabel = (script && script.getAttribute("data-sort-label")) || "";
  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("result_list");
    if (!table || !table.tHead) return;
    table.tHead.rows[0].setAttribute("data-sort-label", sortLabel);
    var names = Array.prototype.map.call(table.tHead.rows[0].cells, function (heading) {
      var text = heading.querySelector(".text") || heading;
      return text.textContent.trim();
    });
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      Array.prototype.forEach.call(row.cells, function (cell, column) {
        if (names[column]) cell.setAttribute("data-label", names[column]);
      });
    });
    table.classList.add("search-admin__cards");
  });
})();
