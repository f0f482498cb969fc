// Posteingang: one keystroke to confirm ("b" or Enter), "u" to reassign.
(function () {
  "use strict";
  var form = document.getElementById("decide");
  if (!form) { return; }
  var unit = document.getElementById("unit");
  var confirm = document.getElementById("confirm");
  confirm.focus();
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea" || event.ctrlKey ||
        event.metaKey || event.altKey) { return; }
    if (event.key === "b" && unit.dataset.suggested) {
      event.preventDefault();
      unit.value = unit.dataset.suggested;
      form.requestSubmit();
    } else if (event.key === "u") {
      event.preventDefault();
      unit.focus();
      unit.select();
    }
  });
})();
