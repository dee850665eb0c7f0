// Shared by the attack pages: point frames at the bank (its origin comes from /config.js,
// written by the lab server) and wire the "Reveal" switch.
(function () {
  "use strict";
  var bank = window.LAB && window.LAB.bankOrigin;
  document.querySelectorAll("[data-bank-origin]").forEach(function (el) {
    el.textContent = bank || "(unknown: /config.js did not load)";
  });
  if (bank) {
    document.querySelectorAll("iframe[data-bank-path]").forEach(function (frame) {
      frame.src = bank + frame.getAttribute("data-bank-path");
    });
  }
  var reveal = document.getElementById("reveal");
  if (reveal) {
    var apply = function () { document.body.classList.toggle("revealed", reveal.checked); };
    reveal.addEventListener("change", apply);
    apply();
  }
})();
