//! The bank's protections: one module each, every one on by default and switched by a `LAB_*` flag.
//!
//! [`Protections`] is the effective set, parsed once by [`crate::config`]. Each module holds its
//! rule and, where the bank applies it to requests, the middleware that does: [`headers`] on every
//! response; [`fetch_metadata`] on framed page loads; and for every state-changing request, in
//! this order, [`origin_check`], [`fetch_metadata`] and [`csrf`], after [`body`] has read the
//! request's body once. Each notes what it said on the request's audit trail.

pub mod body;
pub mod csp_report;
pub mod csrf;
pub mod csrf_key;
pub mod fetch_metadata;
pub mod frame;
pub mod framebuster;
pub mod gesture_guard;
pub mod header_values;
pub mod headers;
pub mod live;
pub mod origin_check;
pub mod samesite;

pub use frame::{FrameMode, FramePolicy};
pub use framebuster::FrameBuster;
pub use samesite::SameSite;

use actix_web::dev::ServiceRequest;
use actix_web::http::Method;

use crate::audit::Check;
use crate::origin::Origin;

/// Whether a request changes state, and so is judged by the origin check, Fetch Metadata's
/// state-change rule and the CSRF token. A browser's CSP report is a POST that changes nothing and
/// carries neither Origin nor token: it is recorded, not judged.
pub fn judged(req: &ServiceRequest) -> bool {
    !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) && req.path() != frame::REPORT_PATH
}

/// Notes a protection's decision on the request's audit trail.
pub fn note(req: &ServiceRequest, check: Check) {
    crate::web::trail::note(req.request(), check);
}

/// The effective protections, after the `LAB_PROTECTIONS` preset and the single flags.
#[derive(Debug, Clone)]
pub struct Protections {
    pub frame: FramePolicy,
    pub origin_check: bool,
    pub allowed_origins: Vec<Origin>,
    pub csrf_token: bool,
    pub samesite: SameSite,
    pub fetch_metadata: bool,
    pub gesture_guard: bool,
    /// `LAB_GESTURE_DELAY_MS`: how long a page must have been visible before a gesture counts.
    pub gesture_delay_ms: u32,
    /// A teaching aid, not a protection: never in [`Protections::disabled`].
    pub framebuster: FrameBuster,
}

/// One line of the protections summary shown in every page footer and in the start-up banner.
#[derive(Debug, Clone)]
pub struct Setting {
    pub flag: &'static str,
    pub value: String,
    /// Whether this setting protects (false: the lab has it switched off).
    pub on: bool,
}

impl Protections {
    pub fn summary(&self) -> Vec<Setting> {
        let on_off = |on: bool| if on { "on" } else { "off" }.to_owned();
        let mut settings = vec![
            Setting { flag: "LAB_FRAME", value: self.frame.describe(), on: self.frame.protects() },
            Setting { flag: "LAB_ORIGIN_CHECK", value: on_off(self.origin_check), on: self.origin_check },
            Setting { flag: "LAB_CSRF_TOKEN", value: on_off(self.csrf_token), on: self.csrf_token },
            Setting {
                flag: "LAB_SAMESITE",
                value: self.samesite.as_str().to_owned(),
                on: self.samesite != SameSite::None,
            },
            Setting {
                flag: "LAB_FETCH_METADATA",
                value: on_off(self.fetch_metadata),
                on: self.fetch_metadata,
            },
            Setting { flag: "LAB_GESTURE_GUARD", value: on_off(self.gesture_guard), on: self.gesture_guard },
        ];
        if self.framebuster != FrameBuster::Off {
            settings.push(Setting {
                flag: "LAB_FRAMEBUSTER",
                value: self.framebuster.as_str().to_owned(),
                on: true,
            });
        }
        settings
    }

    /// The protections that are switched off, as `FLAG=value`.
    pub fn disabled(&self) -> Vec<String> {
        self.summary().into_iter().filter(|s| !s.on).map(|s| format!("{}={}", s.flag, s.value)).collect()
    }
}
