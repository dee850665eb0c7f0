//! Origin validation of state-changing requests: the defence against cross-site request forgery.
//!
//! **Threat.** A page on another site submits a form (or a script sends a request) to the bank;
//! the browser attaches the victim's credentials, the client certificate included.
//!
//! **Rule.** Every POST, PUT, PATCH and DELETE must carry an `Origin` equal to the bank's own
//! origin or one listed in `LAB_ALLOWED_ORIGINS`. Without `Origin`, the origin of the `Referer` is
//! used; with neither, or with `Origin: null` (sandboxed frames, `data:` URLs, some redirects), the
//! request is refused. What this rule cannot see: a click *inside* a framed bank page is a
//! same-origin request (its Origin is the bank's own), so it does not stop clickjacking.
//!
//! **Flag.** `LAB_ORIGIN_CHECK=on|off` (default `on`), extra origins in `LAB_ALLOWED_ORIGINS`.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::middleware::Next;

use crate::audit::{Check, DecidedBy};
use crate::config::vars::ORIGIN_CHECK;
use crate::error::AppError;
use crate::origin::{AllowedOrigins, Origin};
use crate::state;
use crate::web::{gate, trail};

/// Middleware: a state-changing request must come from an allowed origin.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> gate::Served<impl MessageBody + 'static> {
    if !super::judged(&req) {
        return gate::pass(req, next).await;
    }
    let state = match state::of(req.request()) {
        Ok(state) => state,
        Err(error) => return gate::refuse(req, error),
    };
    if !state.protections.now().protections.origin_check && !super::live::always_guarded(req.path()) {
        super::note(&req, Check::off(DecidedBy::OriginCheck, ORIGIN_CHECK.name));
        return gate::pass(req, next).await;
    }
    let facts = trail::facts(req.request());
    match check(facts.origin.as_deref(), facts.referer.as_deref(), &state.allowed_origins) {
        Ok(why) => {
            super::note(&req, Check::passed(DecidedBy::OriginCheck, why));
            gate::pass(req, next).await
        }
        Err(refusal) => gate::refuse(req, refusal.into()),
    }
}

/// Why a request was refused: which header had which value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRefusal {
    pub header: &'static str,
    pub value: Option<String>,
    pub reason: String,
}

impl From<OriginRefusal> for AppError {
    fn from(refusal: OriginRefusal) -> Self {
        Self::OriginRefused { header: refusal.header, value: refusal.value, reason: refusal.reason }
    }
}

/// Checks the `Origin` (or, failing that, `Referer`) header values of a state-changing request.
/// `Ok` carries a sentence saying why the request passed, for the audit log.
pub fn check(
    origin: Option<&str>,
    referer: Option<&str>,
    allowed: &AllowedOrigins,
) -> Result<String, OriginRefusal> {
    let refuse =
        |header, value: &str, reason: String| OriginRefusal { header, value: Some(value.to_owned()), reason };
    match (origin, referer) {
        (Some("null"), _) => Err(refuse(
            "Origin",
            "null",
            "an opaque origin (a sandboxed frame, a data: URL or a cross-site redirect) cannot be \
             trusted"
                .to_owned(),
        )),
        (Some(value), _) => match Origin::parse(value) {
            Ok(o) if allowed.contains(&o) => Ok(format!("Origin {o} is allowed")),
            // The header's value is already named in the message: say it once.
            Ok(_) => Err(refuse(
                "Origin",
                value,
                format!("it is not the bank's origin (allowed: {})", allowed.describe()),
            )),
            Err(e) => Err(refuse("Origin", value, format!("unreadable Origin: {e}"))),
        },
        (None, Some(value)) => match Origin::of_referer(value) {
            Ok(o) if allowed.contains(&o) => Ok(format!("no Origin; the Referer's origin {o} is allowed")),
            Ok(o) => Err(refuse(
                "Referer",
                value,
                format!(
                    "no Origin header, and the Referer's origin {o} is not the bank's (allowed: {})",
                    allowed.describe()
                ),
            )),
            Err(e) => {
                Err(refuse("Referer", value, format!("no Origin header, and the Referer is unreadable: {e}")))
            }
        },
        (None, None) => Err(OriginRefusal {
            header: "Origin",
            value: None,
            reason: "neither Origin nor Referer was sent, so the request's source is unknown".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> AllowedOrigins {
        let ports = crate::sites::Ports { bank: 8443, attacker: 8666, samesite_attacker: 8667 };
        let sites = crate::sites::Sites::new([127, 0, 0, 1].into(), ports);
        sites.allowed_origins(&[Origin::parse("https://partner.test").unwrap()])
    }

    #[test]
    fn same_origin_and_listed_origins_pass() {
        assert!(check(Some("https://localhost:8443"), None, &allowed()).is_ok());
        assert!(check(Some("https://127.0.0.1:8443"), None, &allowed()).is_ok());
        assert!(check(Some("https://partner.test"), None, &allowed()).is_ok());
    }

    #[test]
    fn foreign_and_null_origins_are_refused() {
        let r =
            check(Some("http://127.0.0.1:8666"), Some("https://localhost:8443/"), &allowed()).unwrap_err();
        assert_eq!((r.header, r.value.as_deref()), ("Origin", Some("http://127.0.0.1:8666")));
        let r = check(Some("null"), None, &allowed()).unwrap_err();
        assert_eq!(r.value.as_deref(), Some("null"));
        // Another port of localhost is the same site, but not the same origin.
        assert!(check(Some("https://localhost:8667"), None, &allowed()).is_err());
    }

    #[test]
    fn referer_is_the_fallback() {
        assert!(check(None, Some("https://localhost:8443/transfer/confirm?to=bob"), &allowed()).is_ok());
        let r = check(None, Some("http://127.0.0.1:8666/basic.html"), &allowed()).unwrap_err();
        assert_eq!(r.header, "Referer");
        let r = check(None, None, &allowed()).unwrap_err();
        assert_eq!(r.value, None);
    }
}
