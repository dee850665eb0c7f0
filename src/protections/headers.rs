//! Security headers on every bank response, and the frame-deny headers of [`super::frame`].
//!
//! Always on, whatever the flags: `X-Content-Type-Options: nosniff`, `Referrer-Policy:
//! same-origin` (the bank's URLs carry transfer details; the origin check's Referer fallback
//! still works for the bank's own requests), a CSP that allows only the bank's own scripts,
//! styles and form targets (no inline code), and `Cache-Control: no-store` on pages. The CSP's
//! `frame-ancestors` directive and `X-Frame-Options` come from `LAB_FRAME`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use super::FramePolicy;

const BASE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'";

/// The header values, computed once at start-up.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    csp: HeaderValue,
    x_frame_options: Option<HeaderValue>,
    report_only: Option<HeaderValue>,
}

impl SecurityHeaders {
    pub fn new(frame: &FramePolicy) -> Self {
        let csp = match frame.frame_ancestors() {
            Some(ancestors) => format!("{BASE_CSP}; frame-ancestors {ancestors}"),
            None => BASE_CSP.to_owned(),
        };
        let value = |text: String| HeaderValue::from_str(&text).expect("origins are valid header text");
        Self {
            csp: value(csp),
            x_frame_options: frame.x_frame_options().map(value),
            report_only: frame.report_only().map(value),
        }
    }
}

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Fail closed: without its policy the bank answers nothing rather than something unprotected.
    let Some(policy) = req.app_data::<web::Data<SecurityHeaders>>().cloned() else {
        tracing::error!("security headers are not configured; refusing to answer");
        return Ok(req.into_response(HttpResponse::InternalServerError().finish()));
    };
    let is_static = req.path().starts_with("/static/");
    // Handlers and the error pages answer every error with a response, so nothing inside
    // returns `Err` (and an `HttpRequest` must not be cloned before routing to catch one).
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, policy.csp.clone());
    if let Some(xfo) = &policy.x_frame_options {
        headers.insert(HeaderName::from_static("x-frame-options"), xfo.clone());
    }
    if let Some(report_only) = &policy.report_only {
        headers.insert(header::CONTENT_SECURITY_POLICY_REPORT_ONLY, report_only.clone());
    }
    Ok(res)
}
