// Progressive enhancement of the weekly schedule: copy Monday's hours to the other weekdays.
(function () {
  "use strict";
  document.querySelectorAll("fieldset.schedule").forEach(function (fieldset) {
    var start = fieldset.querySelector("input[name='day0_start']");
    var end = fieldset.querySelector("input[name='day0_end']");
    if (!start || !end) { return; }
    var status = document.createElement("p");
    status.setAttribute("role", "status");
    status.className = "hint";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary small";
    button.textContent = fieldset.dataset.copyLabel || "Recopier les horaires du lundi du mardi au vendredi";
    button.addEventListener("click", function () {
      for (var day = 1; day <= 4; day++) {
        var s = fieldset.querySelector("input[name='day" + day + "_start']");
        var e = fieldset.querySelector("input[name='day" + day + "_end']");
        if (s && e) { s.value = start.value; e.value = end.value; }
      }
      status.textContent = fieldset.dataset.copiedLabel || "Horaires recopiés du mardi au vendredi.";
    });
    var days = fieldset.querySelector(".schedule-days");
    fieldset.insertBefore(button, days);
    fieldset.insertBefore(status, days);
  });
})();
