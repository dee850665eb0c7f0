//! Turns every error response of the bank into a page that explains to a trainee what happened
//! (or into JSON under `/api/`). Registered once, as the `ErrorHandlers` default.

use actix_web::dev::ServiceResponse;
use actix_web::http::{StatusCode, header};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use askama::Template;

use super::layout::Layout;
use crate::error::{AppError, Result};
use crate::identity::Visitor;
use crate::state;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    status: u16,
    message: Vec<Part<'a>>,
    hint: Vec<Part<'a>>,
    sign_in: bool,
    /// The error is about the visitor's certificate: the start page can say which step is missing.
    about_certificates: bool,
}

/// A piece of an error's text: the parts between backticks are code (a command, a flag).
struct Part<'a> {
    text: &'a str,
    code: bool,
}

/// Splits `text` at its backticks: every second piece is code.
fn parts(text: &str) -> Vec<Part<'_>> {
    text.split('`')
        .enumerate()
        .filter(|(_, text)| !text.is_empty())
        .map(|(i, text)| Part { text, code: i % 2 == 1 })
        .collect()
}

/// Unknown routes. The visitor is resolved first, so the page's header says who they are.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse> {
    let _ = Visitor::of(&req).await;
    Err(AppError::NotFound(format!("the bank has no page at {}", req.path())))
}

/// The `ErrorHandlers` default handler.
pub fn render<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // A page a handler rendered on purpose with an error status (the login form again, 401) is
    // already the answer; only errors get the error page.
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if res.response().error().is_none() && is_html {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let app_error = res.response().error().and_then(|e| e.as_error::<AppError>());
    let message = match (app_error, res.response().error()) {
        (Some(e), _) => e.to_string(),
        // Another component's client error (a malformed form, a body too large) says what was wrong.
        (None, Some(e)) if status.is_client_error() => e.to_string(),
        (None, Some(e)) => {
            tracing::error!("{} {}: {e}", res.request().method(), res.request().path());
            AppError::Internal(String::new()).to_string()
        }
        (None, None) => status.canonical_reason().unwrap_or("Error").to_owned(),
    };
    let title = app_error.map_or_else(|| status.canonical_reason().unwrap_or("Error"), AppError::title);
    let hint = app_error.and_then(AppError::hint);
    let about_certificates = app_error.is_some_and(AppError::about_certificates);
    let retry_after = app_error.and_then(AppError::retry_after);
    let (req, _) = res.into_parts();

    let body = if req.path().starts_with("/api/") {
        Ok(HttpResponse::build(status).json(serde_json::json!({ "error": message })))
    } else {
        page(&req, status, title, &message, (hint, about_certificates))
    };
    let mut response = body.unwrap_or_else(|e| {
        HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(format!("{message}\n{e}"))
    });
    if let Some(secs) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    }
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, response).map_into_right_body()))
}

fn page(
    req: &HttpRequest,
    status: StatusCode,
    title: &str,
    message: &str,
    (hint, about_certificates): (Option<&'static str>, bool),
) -> Result<HttpResponse> {
    let state = state::of(req)?;
    let visitor = req.extensions().get::<Visitor>().cloned();
    let template = ErrorPage {
        layout: Layout::without_forms(&state, visitor.as_ref(), title),
        status: status.as_u16(),
        message: parts(message),
        hint: hint.map(parts).unwrap_or_default(),
        sign_in: status == StatusCode::UNAUTHORIZED && state.settings.identity.mtls.allows_password(),
        about_certificates,
    };
    super::respond::render(status, &template)
}

#[cfg(test)]
mod tests {
    use super::parts;

    #[test]
    fn backticks_mark_code() {
        let split: Vec<(&str, bool)> =
            parts("Bind it with `certs bind <user>` (or `cn`).").iter().map(|p| (p.text, p.code)).collect();
        assert_eq!(
            split,
            [
                ("Bind it with ", false),
                ("certs bind <user>", true),
                (" (or ", false),
                ("cn", true),
                (").", false)
            ]
        );
        assert!(parts("").is_empty());
    }
}
