//! Synchronizer tokens: the second defence against cross-site request forgery.
//!
//! **Threat.** As for the origin check: another site makes the victim's browser send a
//! state-changing request with the victim's credentials.
//!
//! **Rule.** The bank keeps one random token per signed-in identity (per client-certificate
//! fingerprint, or per session, including the anonymous session that carries the login form),
//! puts it in every form it renders, and refuses a state-changing request whose `csrf_token` field
//! (or `X-CSRF-Token` header) does not match the token of the identity that sent it. Another site
//! cannot read the token, so it cannot forge the request. A framed bank page contains the token,
//! so the token does not stop clickjacking.
//!
//! **Flag.** `LAB_CSRF_TOKEN=on|off` (default `on`).

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::http::header;
use actix_web::middleware::Next;

use super::body::Body;
pub use super::csrf_key::CsrfKey;
use crate::audit::{Check, DecidedBy};
use crate::config::vars::CSRF_TOKEN;
use crate::crypto;
use crate::error::AppError;
use crate::identity::{Subject, Visitor};
use crate::state;
use crate::web::gate;

/// Form field and header that carry the token.
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// Middleware: a state-changing request must carry the token of the identity that sends it.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> gate::Served<impl MessageBody + 'static> {
    if !super::judged(&req) {
        return gate::pass(req, next).await;
    }
    let verdict = async {
        let state = state::of(req.request())?;
        if !state.protections.now().protections.csrf_token && !super::live::always_guarded(req.path()) {
            return Ok(Check::off(DecidedBy::CsrfToken, CSRF_TOKEN.name));
        }
        let visitor = Visitor::of(req.request()).await?;
        let presented = presented(&req);
        match check(&state.csrf_key, visitor.csrf_subject().as_ref(), presented.as_deref()) {
            Ok(why) => Ok(Check::passed(DecidedBy::CsrfToken, why)),
            Err(reason) => Err(AppError::CsrfRefused(reason)),
        }
    };
    match verdict.await {
        Ok(check) => {
            super::note(&req, check);
            gate::pass(req, next).await
        }
        Err(error) => gate::refuse(req, error),
    }
}

/// The token from the `X-CSRF-Token` header, or else from a url-encoded form body.
fn presented(req: &ServiceRequest) -> Option<String> {
    if let Some(value) = req.headers().get(HEADER) {
        return value.to_str().ok().map(str::to_owned);
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let extensions = req.extensions();
    let body = extensions.get::<Body>().filter(|_| is_form)?;
    url::form_urlencoded::parse(&body.0).find(|(key, _)| key == FIELD).map(|(_, value)| value.into_owned())
}

/// Checks a presented token. `Ok` carries a sentence for the audit log, `Err` the refusal reason.
pub fn check(key: &CsrfKey, subject: Option<&Subject>, presented: Option<&str>) -> Result<String, String> {
    let Some(subject) = subject else {
        return Err("no signed-in identity or session to bind a token to".to_owned());
    };
    let Some(presented) = presented.filter(|t| !t.is_empty()) else {
        return Err(format!("no {FIELD} field or X-CSRF-Token header was sent"));
    };
    if crypto::constant_time_eq(key.token_for(&subject.to_string()).as_bytes(), presented.as_bytes()) {
        Ok(format!("the token matches the one issued to {subject}"))
    } else {
        Err(format!("the token does not match the one issued to {subject}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_bound_to_its_identity_and_its_key() {
        let key = CsrfKey::random();
        let alice = Subject::Certificate("AB:CD".into());
        let bob = Subject::Certificate("EF:01".into());
        let token = key.token_for(&alice.to_string());
        assert_eq!(token, key.token_for(&alice.to_string()), "the same on every page");
        assert!(check(&key, Some(&alice), Some(&token)).is_ok());
        assert!(check(&key, Some(&bob), Some(&token)).unwrap_err().contains("does not match"));
        assert!(check(&CsrfKey::random(), Some(&alice), Some(&token)).is_err(), "another bank's key");
        assert!(check(&key, Some(&alice), None).unwrap_err().contains("no csrf_token field"));
        assert!(check(&key, None, Some(&token)).is_err());
    }
}
