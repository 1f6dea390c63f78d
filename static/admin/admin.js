// Conveniences only: every form works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  var all = document.getElementById("select-all");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.action-select"));
  var count = document.getElementById("selected-count");
  function update() {
    if (count) { count.textContent = boxes.filter(function (b) { return b.checked; }).length; }
  }
  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
  }
  boxes.forEach(function (b) { b.addEventListener("change", update); });
  update();
});
