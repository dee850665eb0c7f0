//! How the bank's handlers answer: a rendered page, a redirect, and what the handler did.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::audit::Outcome;
use crate::error::{AppError, Result};

/// Renders a template as an HTML response.
pub fn render(status: StatusCode, template: &impl Template) -> Result<HttpResponse> {
    let html = template.render().map_err(|e| AppError::internal("rendering a page", e))?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(html))
}

/// A 303 redirect (after a POST, the browser follows it with a GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", location)).finish()
}

/// The response, with what the handler did attached: the audit log's reason, and what the bank's
/// observers (the lab) learn from it.
pub fn done(outcome: Outcome, mut response: HttpResponse) -> HttpResponse {
    response.extensions_mut().insert(outcome);
    response
}
