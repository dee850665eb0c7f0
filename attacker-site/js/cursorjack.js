// Cursorjacking: the page's own pointer, drawn at an offset from the real one (hidden by CSS over
// the attack's stage). It follows the mouse events this document receives; over the bank's frame
// it receives none, so it stays where it was. Its position is kept in data-x / data-y (viewport
// pixels) for the lab.
(function () {
  var OFFSET_X = -420, OFFSET_Y = 0;
  var cursor = document.getElementById("fake-cursor");
  var place = function (x, y) {
    cursor.style.left = x + "px";
    cursor.style.top = y + "px";
    cursor.setAttribute("data-x", String(x));
    cursor.setAttribute("data-y", String(y));
  };
  var stage = document.getElementById("stage");
  place(-100, -100);
  // Only over the stage: the lab's own bar and the explanation keep the real pointer.
  document.addEventListener("mousemove", function (e) {
    if (stage.contains(e.target)) {
      place(e.clientX + OFFSET_X, e.clientY + OFFSET_Y);
    } else {
      place(-100, -100);
    }
  });
})();
