//! The values of the bank's security headers for a frame policy: the CSP (with its
//! `frame-ancestors`), `X-Frame-Options` and the report-only policy. Computed once per policy.

use actix_web::http::header::HeaderValue;

use super::FramePolicy;

const BASE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'";

/// The header values, computed once at start-up.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    pub(super) csp: HeaderValue,
    pub(super) x_frame_options: Vec<HeaderValue>,
    pub(super) report_only: Option<HeaderValue>,
}

impl SecurityHeaders {
    /// The `X-Frame-Options` values sent, one per header.
    pub fn x_frame_options(&self) -> &[HeaderValue] {
        &self.x_frame_options
    }

    pub fn new(frame: &FramePolicy) -> Self {
        let csp = match frame.frame_ancestors() {
            Some(ancestors) => format!("{BASE_CSP}; frame-ancestors {ancestors}"),
            None => BASE_CSP.to_owned(),
        };
        let value = |text: String| HeaderValue::from_str(&text).expect("origins are valid header text");
        Self {
            csp: value(csp),
            x_frame_options: frame.x_frame_options().into_iter().map(value).collect(),
            report_only: frame.report_only().map(value),
        }
    }
}
