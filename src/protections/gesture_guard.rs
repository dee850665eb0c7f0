//! The gesture guard: the defence against DoubleClickjacking.
//!
//! **Threat.** DoubleClickjacking needs no frame. The attacker's page opens a popup that asks for
//! a double-click; on the first press, the popup navigates the attacker's original window (its
//! opener) to the bank's confirmation page and closes; the second click of the double-click lands
//! on the bank's real, top-level, unframed confirm button. Frame headers, Fetch Metadata, the
//! origin check and the CSRF token all see a normal, same-origin click.
//!
//! **Rule.** Confirm buttons are rendered disabled; a static script (`/static/js/gesture-guard.js`,
//! no inline code) enables them only after the page has been visible for a moment
//! (`LAB_GESTURE_DELAY_MS`) *and* the pointer has moved or a key has been pressed after that. A click that
//! arrives right after the page appeared (the second half of a double-click) meets a disabled
//! button.
//!
//! **Limits.** It is a client-side script: a browser without JavaScript cannot confirm at all, and
//! it cannot stop a patient attacker who makes the victim click twice, slowly. It does not stop
//! framed clickjacking (the victim's pointer moves over the invisible frame). Keep the frame
//! headers; this guards the one path they cannot see.
//!
//! **Flag.** `LAB_GESTURE_GUARD=on|off` (default `on`); `LAB_GESTURE_DELAY_MS` (default 1000).

/// What a page needs to guard its confirm buttons: the script, and the delay it is told.
#[derive(Debug, Clone, Copy)]
pub struct GestureGuard {
    pub script: &'static str,
    pub delay_ms: u32,
}

/// The guard when `LAB_GESTURE_GUARD=on`, with the page-visible delay of `LAB_GESTURE_DELAY_MS`.
pub fn when(on: bool, delay_ms: u32) -> Option<GestureGuard> {
    on.then_some(GestureGuard { script: "/static/js/gesture-guard.js", delay_ms })
}
