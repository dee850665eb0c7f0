// LAB_GESTURE_GUARD (see src/protections/gesture_guard.rs). Confirm buttons arrive disabled; they
// are enabled only by a real gesture that happens after the page has been visible for a moment:
// a pointer movement or a key press, or, on a touch screen or with a pen (which have no pointer
// hovering before the press), the press itself. The second click of a double-click, landing with
// a mouse right after a popup navigated this window here, meets a disabled button.
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
  var kinds = ["pointermove", "keydown", "pointerdown"];

  document.addEventListener("visibilitychange", function () {
    visibleSince = document.visibilityState === "visible" ? performance.now() : null;
  });

  function gesture(event) {
    if (!event.isTrusted || visibleSince === null || performance.now() - visibleSince < delay) {
      return;
    }
    // A mouse press is no gesture: it is what DoubleClickjacking's second click is.
    if (event.type === "pointerdown" && event.pointerType !== "touch" && event.pointerType !== "pen") {
      return;
    }
    buttons.forEach(function (button) {
      button.disabled = false;
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
