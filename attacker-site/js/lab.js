// Shared by the attack pages: point frames at the bank (its origin comes from /config.js,
// written by the lab server), apply a frame's sandbox, wire the "Reveal" switch, and notice a
// click that reached a decoy instead of the frame over it.
(function () {
  "use strict";
  var bank = window.LAB && window.LAB.bankOrigin;
  var query = new URLSearchParams(window.location.search);
  document.querySelectorAll("[data-bank-origin]").forEach(function (el) {
    el.textContent = bank || "(unknown: /config.js did not load)";
  });
  var samesite = window.LAB && window.LAB.sameSiteAttackerOrigin;
  document.querySelectorAll("a.samesite-link").forEach(function (a) {
    a.href = samesite + a.getAttribute("href");
  });
  var wrongOrigin = document.getElementById("wrong-origin");
  if (wrongOrigin && samesite && window.location.origin !== samesite) {
    wrongOrigin.hidden = false;
    wrongOrigin.querySelector("a").href = samesite + window.location.pathname;
  }
  document.querySelectorAll("[data-attacker-origin]").forEach(function (el) {
    el.textContent = window.location.origin;
  });
  document.querySelectorAll("a[data-bank-link]").forEach(function (a) {
    a.href = (bank || "") + a.getAttribute("data-bank-link");
  });
  if (bank) {
    document.querySelectorAll("iframe[data-bank-path]").forEach(function (frame) {
      // The sandbox must be in place before the frame loads; ?sandbox=off shows the difference.
      var sandbox = frame.getAttribute("data-sandbox");
      if (sandbox !== null && query.get("sandbox") !== "off") {
        frame.setAttribute("sandbox", sandbox);
      }
      frame.src = bank + frame.getAttribute("data-bank-path");
    });
  }

  // If a decoy itself receives a click, the frame did not cover it (page zoom, a different
  // font, a resized window): say so, and count it so the lab's browser tests can tell.
  var missed = document.getElementById("missed");
  document.querySelectorAll(".decoy").forEach(function (decoy) {
    decoy.addEventListener("click", function () {
      var clicks = Number(decoy.getAttribute("data-clicks") || "0") + 1;
      decoy.setAttribute("data-clicks", String(clicks));
      if (missed) {
        missed.hidden = false;
      }
    });
  });

  var reveal = document.getElementById("reveal");
  if (reveal) {
    var apply = function () { document.body.classList.toggle("revealed", reveal.checked); };
    reveal.addEventListener("change", apply);
    apply();
  }
})();
