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
//! button. A touch screen or a pen has no pointer that hovers before it presses: there, a press
//! itself (`pointerType` touch or pen) after the delay is the person's gesture, so a tap enables
//! the button. A mouse press never counts: DoubleClickjacking's second click is one. The page says
//! under the button why it is grey and what turns it on.
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

impl GestureGuard {
    /// The delay as a person reads it: "1 second", "1.5 seconds".
    pub fn delay_seconds(&self) -> String {
        let (whole, tenths) = (self.delay_ms / 1000, self.delay_ms % 1000 / 100);
        match (whole, tenths) {
            (1, 0) => "1 second".to_owned(),
            (_, 0) => format!("{whole} seconds"),
            _ => format!("{whole}.{tenths} seconds"),
        }
    }
}

/// The guard when `LAB_GESTURE_GUARD=on`, with the page-visible delay of `LAB_GESTURE_DELAY_MS`.
pub fn when(on: bool, delay_ms: u32) -> Option<GestureGuard> {
    on.then_some(GestureGuard { script: "/static/js/gesture-guard.js", delay_ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_reads_as_seconds() {
        let said = |delay_ms| GestureGuard { script: "", delay_ms }.delay_seconds();
        assert_eq!(said(1000), "1 second");
        assert_eq!(said(500), "0.5 seconds");
        assert_eq!(said(2000), "2 seconds");
        assert_eq!(said(1250), "1.2 seconds");
    }
}
