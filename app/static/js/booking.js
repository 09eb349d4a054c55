// The booking calendar, better with JavaScript: a shortcut ticks its sessions here instead of sending
// the form, and the number of sessions chosen is shown. Prices and rules stay on the server (the
// basket page); without this script the shortcuts send the form to the basket.
(function () {
  "use strict";
  var form = document.querySelector("form[data-basket]");
  if (!form) { return; }
  var count = form.querySelector("[data-basket-count]");
  var boxes = function () { return form.querySelectorAll("input[type=checkbox][name=item]"); };
  var update = function () {
    if (!count) { return; }
    var n = 0;
    boxes().forEach(function (box) { if (box.checked) { n += 1; } });
    var text = n === 0 ? count.dataset.none : (n === 1 ? count.dataset.one : count.dataset.many);
    count.textContent = (text || "").replace("{n}", String(n));
  };
  form.querySelectorAll("button.shortcut[data-items]").forEach(function (button) {
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var wanted = button.dataset.items.split(",");
      var pressed = button.getAttribute("aria-pressed") !== "true";
      boxes().forEach(function (box) {
        if (wanted.indexOf(box.value) !== -1) { box.checked = pressed; }
      });
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      update();
    });
  });
  form.addEventListener("change", update);
  update();
}());

// The calendar subscription: a "copy the address" button (hidden without JavaScript, the field can be
// selected and copied by hand).
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (!field || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) { status.textContent = button.dataset.copied || ""; }
      }, function () {
        field.select();
      });
    });
  });
}());
