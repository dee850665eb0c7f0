//! The words of the lab's [`feed`](super::feed): what the bank just did for an attack, in a
//! sentence the attack page can show. Read from the bank's answer only (its status, its error
//! message, the typed outcome), never from inside the bank.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpRequest};

use super::feed::Kind;
use super::renders::RenderLog;
use super::scenarios::{SCENARIOS, Scenario};
use super::verdicts::Detection;
use super::{Delivery, Framer};
use crate::audit::Outcome;
use crate::error::AppError;
use crate::origin::Origin;
use crate::protections::body::Body;
use crate::protections::fetch_metadata;
use crate::state::AppState;
use crate::transfers::TransferError;
use crate::web::trail;

/// The scenario a request belongs to: the `?scenario=` tag of the page it loads, the tag of the
/// page its form came from (by request id), or the cross-site form when another lab origin sent it.
pub fn scenario_of(req: &HttpRequest, renders: &RenderLog, state: &AppState) -> Option<&'static str> {
    let tagged = |query: &[u8]| {
        url::form_urlencoded::parse(query)
            .find(|(key, _)| key == "scenario")
            .and_then(|(_, value)| Scenario::find(&value).map(|s| s.id))
    };
    if req.method() != Method::POST {
        return tagged(req.query_string().as_bytes());
    }
    let body = req.extensions().get::<Body>().map(|b| b.0.clone()).unwrap_or_default();
    let from_page = url::form_urlencoded::parse(&body)
        .find(|(key, _)| key == "request_id")
        .and_then(|(_, id)| uuid::Uuid::parse_str(&id).ok())
        .and_then(|id| renders.get(id))
        .and_then(|render| render.scenario);
    from_page.or_else(|| {
        let origin = trail::facts(req).origin.and_then(|o| Origin::parse(&o).ok())?;
        let sites = &state.sites;
        (origin == sites.cross_site || origin == sites.same_site)
            .then(|| SCENARIOS.iter().find(|s| s.delivery == Delivery::CrossSiteForm).map(|s| s.id))?
    })
}

/// What the bank did, for the attack page: `None` when the answer says nothing about the attack.
pub fn narrate(
    req: &HttpRequest,
    scenario: &'static Scenario,
    status: StatusCode,
    error: Option<&actix_web::Error>,
    outcome: Option<&Outcome>,
    detection: Option<Detection>,
    state: &AppState,
) -> Option<(Kind, String)> {
    if let Some(error) = error {
        let mut text = format!("The bank refused this request (HTTP {}): {error}", status.as_u16());
        if let Some(AppError::Transfer(TransferError::InsufficientFunds { .. })) =
            error.as_error::<AppError>()
        {
            text.push_str(
                " Reset the lab (the button on the bank's /lab page) to restore the seeded balances.",
            );
        }
        return Some((Kind::Refused, text));
    }
    Some(match outcome? {
        Outcome::ConfirmationShown { .. } => (Kind::Shown, shown(req, scenario, state)),
        Outcome::AskedAgain { amount, threshold } => (
            Kind::AskedAgain,
            format!(
                "The bank asked \"Are you sure?\": {amount} is above LAB_CONFIRM_ABOVE ({threshold}). One more click \
                 moves it."
            ),
        ),
        Outcome::Transferred { from, to, amount, .. } => {
            let how = detection.map_or(String::new(), |d| format!(" The lab's verdict: {}.", d.explain()));
            (Kind::Landed, format!("The attack landed: the bank moved {amount} from {from} to {to}.{how}"))
        }
        Outcome::Repeated { .. } => (
            Kind::Refused,
            "The bank saw this confirmation form again and moved nothing the second time.".into(),
        ),
        _ => return None,
    })
}

/// A confirmation page the bank served for the attack: into a frame, or as the top-level page.
fn shown(req: &HttpRequest, scenario: &Scenario, state: &AppState) -> String {
    let dest = trail::facts(req).sec_fetch_dest;
    if !dest.as_deref().is_some_and(fetch_metadata::is_frame) {
        return "The bank served its confirmation page to the window itself (not inside a frame).".to_owned();
    }
    let framer = match scenario.delivery {
        Delivery::FramedClick { framer: Framer::SameSite, .. } => &state.sites.same_site,
        _ => &state.sites.cross_site,
    };
    let now = state.protections.now();
    let frame = &now.protections.frame;
    if frame.blocks(framer) {
        let headers = frame.header_lines();
        format!(
            "The bank served its confirmation page to the frame with {}: the browser refuses to show it inside \
             this page, so a click here reaches nothing (tick Reveal to see the browser's refusal).",
            headers.join(" and ")
        )
    } else {
        "The bank served its confirmation page into the frame, with no frame header that stops this page: it \
         sits under the decoy, waiting for the click."
            .to_owned()
    }
}
