//! Fetch Metadata: the server-side view of framing.
//!
//! **Threat.** Clickjacking: the bank's page loaded in another site's frame, and the victim's
//! click inside it. The click's POST looks same-origin (the bank's own Origin, its own token),
//! so the origin check and the CSRF token pass it.
//!
//! **Rule.** Browsers label every request with `Sec-Fetch-Dest` (what will use the response) and
//! `Sec-Fetch-Site` (who asked). A state-changing request whose `Sec-Fetch-Dest` is a frame
//! (`iframe`, `frame`, `embed`, `object`, `fencedframe`) came from a page inside a frame: refused.
//! A navigation of a frame to a bank page started by another origin (`Sec-Fetch-Site` other than
//! `same-origin`: a different site, or a sibling origin of the same site) is refused too, so the
//! framed page is never even shown. It stops framed clickjacking with the frame headers off.
//! Requests without `Sec-Fetch-*` headers (old browsers, curl, scripts) pass this check: it is
//! defence in depth, never the only one. `Sec-Fetch-Site` says only *that* another site framed the
//! page, not *which*: with this rule on, even a partner listed in `LAB_FRAME_ANCESTORS` is refused.
//! A bank that wants to be framed by partners must exempt those pages from the navigation rule.
//!
//! Every refusal, of a page load as of a state change, gets an audit row.
//!
//! **Flag.** `LAB_FETCH_METADATA=on|off` (default `on`).

use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use actix_web::middleware::Next;

use crate::audit::{Check, DecidedBy};
use crate::config::vars::FETCH_METADATA;
use crate::error::AppError;
use crate::state;
use crate::web::{gate, trail};

/// `Sec-Fetch-Dest` values that mean "this will be shown inside a frame".
pub fn is_frame(dest: &str) -> bool {
    matches!(dest, "iframe" | "frame" | "embed" | "object" | "fencedframe")
}

/// The rule for state-changing requests: `Ok` says why it passed, `Err` why not.
pub fn check_state_change(dest: Option<&str>) -> Result<String, String> {
    match dest {
        None => Ok("no Sec-Fetch-Dest header (an older browser or a script): not judged".to_owned()),
        Some(dest) if is_frame(dest) => Err(format!(
            "Sec-Fetch-Dest is \"{dest}\": the request was sent from a page inside a frame, which is how a \
             clickjacked click arrives"
        )),
        Some(dest) => Ok(format!("Sec-Fetch-Dest is \"{dest}\", not a frame")),
    }
}

/// The rule for page loads: a frame navigated to a bank page by another origin is refused.
pub fn check_navigation(dest: Option<&str>, site: Option<&str>) -> Result<(), String> {
    match (dest, site) {
        (Some(dest), Some(site)) if is_frame(dest) && site != "same-origin" => Err(format!(
            "this page was requested for a frame (Sec-Fetch-Dest: {dest}) by another origin \
             (Sec-Fetch-Site: {site}); the bank shows its pages only to its own frames"
        )),
        _ => Ok(()),
    }
}

/// Middleware: refuses framed page loads from other origins, and state-changing requests sent
/// from inside a frame.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> gate::Served<impl MessageBody + 'static> {
    let state = match state::of(req.request()) {
        Ok(state) => state,
        Err(error) => return gate::refuse(req, error),
    };
    let on = state.protections.now().protections.fetch_metadata || super::live::always_guarded(req.path());
    let facts = trail::facts(req.request());
    let (dest, site) = (facts.sec_fetch_dest, facts.sec_fetch_site);
    let refusal = if super::judged(&req) {
        if !on {
            super::note(&req, Check::off(DecidedBy::FetchMetadata, FETCH_METADATA.name));
            None
        } else {
            match check_state_change(dest.as_deref()) {
                Ok(why) => {
                    super::note(&req, Check::passed(DecidedBy::FetchMetadata, why));
                    None
                }
                Err(reason) => Some(reason),
            }
        }
    } else if on && matches!(*req.method(), Method::GET | Method::HEAD) && !req.path().starts_with("/static/")
    {
        // Noted on the trail, so the refused page load gets its audit row: under the defaults this
        // refusal is the only trace a framed attack leaves (a served GET writes nothing).
        let refusal = check_navigation(dest.as_deref(), site.as_deref()).err();
        if let Some(reason) = &refusal {
            super::note(&req, Check::refused(DecidedBy::FetchMetadata, reason.clone()));
        }
        refusal
    } else {
        None
    };
    match refusal {
        Some(reason) => gate::refuse(req, AppError::FetchMetadataRefused(reason)),
        None => gate::pass(req, next).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framed_state_changes_are_refused() {
        assert!(check_state_change(Some("iframe")).is_err());
        assert!(check_state_change(Some("object")).is_err());
        assert!(check_state_change(Some("document")).is_ok());
        assert!(check_state_change(None).is_ok(), "no header, no judgement");
    }

    #[test]
    fn framed_navigations_from_other_origins_are_refused() {
        assert!(check_navigation(Some("iframe"), Some("cross-site")).is_err());
        assert!(check_navigation(Some("iframe"), Some("same-site")).is_err(), "a sibling origin");
        assert!(check_navigation(Some("iframe"), Some("same-origin")).is_ok());
        assert!(check_navigation(Some("document"), Some("cross-site")).is_ok(), "a link from elsewhere");
        assert!(check_navigation(None, None).is_ok());
    }
}
