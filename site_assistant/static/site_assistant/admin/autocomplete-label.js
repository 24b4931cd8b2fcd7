/* The admin's autocomplete boxes (select2) named by their field's label: select2 names its
   combobox by the chosen option alone, so an empty box had no name at all and a filled one
   did not say which field it was. Runs after Django's admin/js/autocomplete.js has set the
   boxes up (jQuery runs its ready functions in order). */
"use strict";
django.jQuery(function ($) {
  $(".admin-autocomplete").each(function () {
    var label = document.querySelector('label[for="' + this.id + '"]');
    var box = $(this).next(".select2").find(".select2-selection")[0];
    var shown = box && box.querySelector(".select2-selection__rendered");
    if (!label || !box) return;
    label.id = label.id || this.id + "-label";
    box.setAttribute("aria-labelledby", (label.id + " " + (shown ? shown.id : "")).trim());
    if (shown) shown.setAttribute("aria-labelledby", label.id);
  });
});
