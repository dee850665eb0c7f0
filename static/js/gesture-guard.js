// LAB_GESTURE_GUARD (see src/protections/gesture_guard.rs). Confirm buttons arrive disabled; they
// are enabled only by a real pointer movement or key press that happens after the page has been
// visible for a moment. The second click of a double-click, landing right after a popup navigated
// this window here, meets a disabled button.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-gesture-guard]");
  if (!buttons.length) {
    return;
  }
  // The bank always says; anything it did not say clearly means the default, never no delay.
  var given = Number(buttons[0].getAttribute("data-gesture-delay") || "");
  var delay = isFinite(given) && given > 0 ? given : 1000;
  var visibleSince = document.visibilityState === "visible" ? performance.now() : null;
  var kinds = ["pointermove", "keydown"];

  document.addEventListener("visibilitychange", function () {
    visibleSince = document.visibilityState === "visible" ? performance.now() : null;
  });

  function gesture(event) {
    if (!event.isTrusted || visibleSince === null || performance.now() - visibleSince < delay) {
      return;
    }
    buttons.forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("title");
    });
    document.documentElement.classList.add("gesture-seen");
    kinds.forEach(function (kind) {
      document.removeEventListener(kind, gesture, true);
    });
  }

  kinds.forEach(function (kind) {
    document.addEventListener(kind, gesture, true);
  });
})();
