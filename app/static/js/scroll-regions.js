// A table that scrolls sideways inside itself (on a phone) can be scrolled with the keyboard: it becomes
// a focusable region named by its caption. Tables that fit are left alone.
(function () {
  "use strict";
  var mark = function () {
    document.querySelectorAll("main table").forEach(function (table) {
      var box = table.parentElement && table.parentElement.classList.contains("table-wrap") ? table.parentElement : table;
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); }
        if (!box.hasAttribute("role") && box !== table) {
          box.setAttribute("role", "region");
          var caption = table.querySelector("caption");
          if (caption && !box.hasAttribute("aria-label")) { box.setAttribute("aria-label", caption.textContent.trim()); }
        }
      }
    });
  };
  mark();
  window.addEventListener("resize", mark);
}());
