// The phone menu: on a narrow screen the secondary links fold behind a "Menu" button (aria-expanded).
// Without this script every link stays visible.
(function () {
  "use strict";
  var nav = document.querySelector(".site-nav");
  var button = nav && nav.querySelector(".nav-toggle");
  var menu = document.getElementById("nav-menu");
  if (!button || !menu) { return; }
  nav.classList.add("nav-foldable");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("nav-open", open);
    if (open) {
      var first = menu.querySelector("a, button");
      if (first) { first.focus(); }
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      button.setAttribute("aria-expanded", "false");
      nav.classList.remove("nav-open");
      button.focus();
    }
  });
}());
