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
  // If the decoy itself receives a click, the frame did not cover it (page zoom, a different
  // font, a resized window): say so, and count it so the lab's browser tests can tell.
  var decoy = document.getElementById("decoy");
  var missed = document.getElementById("missed");
  if (decoy) {
    decoy.addEventListener("click", function () {
      var clicks = Number(decoy.getAttribute("data-clicks") || "0") + 1;
      decoy.setAttribute("data-clicks", String(clicks));
      if (missed) {
        missed.hidden = false;
      }
    });
  }
  var reveal = document.getElementById("reveal");
  if (reveal) {
    var apply = function () { document.body.classList.toggle("revealed", reveal.checked); };
    reveal.addEventListener("change", apply);
    apply();
  }
})();
