// Review page of the Formularerkennung: draw each field's box on the page image
// (positions come as data attributes, no inline style: CSP), and zoom to the box
// of the field that has the focus. Keyboard: Tab moves through the fields; the
// page image follows.
(function () {
  "use strict";
  var boxes = document.querySelectorAll(".forms-box");
  boxes.forEach(function (box) {
    box.style.left = box.dataset.left + "%";
    box.style.top = box.dataset.top + "%";
    box.style.width = box.dataset.width + "%";
    box.style.height = box.dataset.height + "%";
  });
  function zoomTo(index) {
    boxes.forEach(function (box) { box.classList.remove("current"); });
    document.querySelectorAll(".forms-zoom").forEach(function (zoom) { zoom.style.transform = ""; });
    var box = document.querySelector('.forms-box[data-field="' + index + '"]');
    if (!box) { return; }
    box.classList.add("current");
    var zoom = box.parentElement;
    var left = parseFloat(box.dataset.left), top = parseFloat(box.dataset.top);
    var width = parseFloat(box.dataset.width);
    var scale = Math.max(1, Math.min(3, 40 / Math.max(width, 1)));
    var x = Math.max(0, left - 50 / scale + width / 2), y = Math.max(0, top - 10 / scale);
    zoom.style.transform = "scale(" + scale + ") translate(" + (-x) + "%, " + (-y) + "%)";
    var figure = zoom.parentElement;
    if (figure.scrollIntoView) { figure.scrollIntoView({block: "nearest"}); }
  }
  document.querySelectorAll(".forms-field").forEach(function (field) {
    field.addEventListener("focusin", function () { zoomTo(field.dataset.field); });
    field.addEventListener("click", function () { zoomTo(field.dataset.field); });
  });
  boxes.forEach(function (box) {
    box.addEventListener("click", function () {
      var input = document.getElementById("f" + box.dataset.field);
      if (input) { input.focus(); }
    });
  });
})();
