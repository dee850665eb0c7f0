// Cursorjacking: the page's own pointer, drawn at an offset from the real one (hidden by CSS). It
// follows the mouse events this document receives; over the bank's frame it receives none, so it
// stays where it was. Its position is kept in data-x / data-y (viewport pixels) for the lab.
(function () {
  var OFFSET_X = -420, OFFSET_Y = 0;
  var cursor = document.getElementById("fake-cursor");
  var place = function (x, y) {
    cursor.style.left = x + "px";
    cursor.style.top = y + "px";
    cursor.setAttribute("data-x", String(x));
    cursor.setAttribute("data-y", String(y));
  };
  place(-100, -100);
  document.addEventListener("mousemove", function (e) {
    place(e.clientX + OFFSET_X, e.clientY + OFFSET_Y);
  });
})();
