// DoubleClickjacking, the attacker's first window: a click opens the "captcha" popup, the same
// size as this window and on top of it. The popup does the rest (doubleclick-popup.js).
(function () {
  "use strict";
  var start = document.getElementById("start");
  start.addEventListener("click", function () {
    var features = "popup,width=" + window.innerWidth + ",height=" + window.innerHeight +
      ",left=" + window.screenX + ",top=" + window.screenY;
    var reveal = document.getElementById("reveal");
    var url = "/doubleclick-popup.html" + (reveal && reveal.checked ? "?reveal=1" : "");
    window.open(url, "captcha", features);
  });
})();
