//! Security headers on every bank response, and the frame-deny headers of [`super::frame`].
//!
//! Always on, whatever the flags: `X-Content-Type-Options: nosniff`, `Referrer-Policy:
//! same-origin` (the bank's URLs carry transfer details; the origin check's Referer fallback
//! still works for the bank's own requests), a CSP that allows only the bank's own scripts,
//! styles and form targets (no inline code), and `Cache-Control: no-store` on pages. The CSP's
//! `frame-ancestors` directive and `X-Frame-Options` come from `LAB_FRAME` (the values:
//! [`super::header_values`]; the ones in force: [`super::live`]).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use crate::state::AppState;

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Fail closed: without its policy the bank answers nothing rather than something unprotected.
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        tracing::error!("security headers are not configured; refusing to answer");
        return Ok(req.into_response(HttpResponse::InternalServerError().finish()));
    };
    // The protections in force now (the panel's own pages: always the frame-deny headers).
    let policy = state.protections.headers_for(req.path());
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
    for xfo in &policy.x_frame_options {
        headers.append(HeaderName::from_static("x-frame-options"), xfo.clone());
    }
    if let Some(report_only) = &policy.report_only {
        headers.insert(header::CONTENT_SECURITY_POLICY_REPORT_ONLY, report_only.clone());
    }
    Ok(res)
}
