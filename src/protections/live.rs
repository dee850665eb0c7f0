//! The protections in force now. `LAB_*` flags set them at start-up; the lab's protections panel
//! (`/lab/protections`) switches them while the lab runs, for every visitor at once. Every
//! protection reads [`Live::now`] on each request, so a switch applies from the next request on.
//!
//! The panel itself is [`always_guarded`]: never frameable, origin-checked, token-checked and
//! judged by Fetch Metadata whatever the flags say, so an attack page cannot switch protections off.

use std::sync::{Arc, RwLock};

use super::Protections;
use super::frame::{FrameMode, FramePolicy};
use super::header_values::SecurityHeaders;

/// Where the protections panel lives: every request under it is guarded by every protection.
pub const PANEL_PATH: &str = "/lab/protections";

/// Whether `path` is guarded by every protection, whatever is switched off.
pub fn always_guarded(path: &str) -> bool {
    path == PANEL_PATH || path.starts_with("/lab/protections/")
}

/// A set of protections and the response headers it sends.
#[derive(Debug, Clone)]
pub struct Effective {
    pub protections: Protections,
    pub headers: SecurityHeaders,
}

impl Effective {
    fn new(protections: Protections) -> Self {
        Self { headers: SecurityHeaders::new(&protections.frame), protections }
    }
}

/// The protections in force, switchable while the lab runs.
pub struct Live {
    now: RwLock<Arc<Effective>>,
    /// The headers of an always-guarded page: frames refused, whatever `LAB_FRAME` says.
    guarded: SecurityHeaders,
}

impl Live {
    pub fn new(protections: Protections) -> Self {
        let deny = FramePolicy { mode: FrameMode::Deny, ancestors: Vec::new() };
        Self { now: RwLock::new(Arc::new(Effective::new(protections))), guarded: SecurityHeaders::new(&deny) }
    }

    /// The protections in force now (a cheap shared copy: hold it for one request).
    pub fn now(&self) -> Arc<Effective> {
        self.now.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts `protections` in force from the next request on.
    pub fn switch(&self, protections: Protections) -> Arc<Effective> {
        let effective = Arc::new(Effective::new(protections));
        *self.now.write().unwrap_or_else(|e| e.into_inner()) = effective.clone();
        effective
    }

    /// The headers for a response to `path`.
    pub fn headers_for(&self, path: &str) -> SecurityHeaders {
        if always_guarded(path) { self.guarded.clone() } else { self.now().headers.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn a_switch_applies_to_the_next_reader_and_the_panel_stays_unframeable() {
        let off = Settings::from_pairs(&[("LAB_PROTECTIONS", "off")]).unwrap().protections;
        let live = Live::new(Settings::defaults().protections);
        assert!(live.now().protections.origin_check);
        live.switch(off);
        assert!(!live.now().protections.origin_check && !live.now().protections.csrf_token);
        assert_eq!(live.now().protections.frame.mode, FrameMode::Off);
        assert!(live.headers_for("/transfer/confirm").x_frame_options().is_empty());
        assert_eq!(live.headers_for(PANEL_PATH).x_frame_options(), ["DENY"]);
        assert!(!always_guarded("/lab") && always_guarded("/lab/protections"));
    }
}
