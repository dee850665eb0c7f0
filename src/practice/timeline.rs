//! What the bank saw of a delivery's browser, request by request: the lab's observer tells it
//! here for every request whose User-Agent carries a registered delivery's tag. In memory, bounded,
//! and kept only while the delivery runs; its report keeps the list.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::Outcome;
use crate::clock;
use crate::error::AppError;
use crate::identity::Visitor;
use crate::protections::live::Effective;
use crate::web::trail;

/// The tag in the victim browser's User-Agent, followed by the delivery's id.
pub const TAG: &str = "clickjack-lab-victim/";
/// Deliveries followed at once, and requests kept for each.
const RUNS: usize = 4;
const EVENTS: usize = 300;
const POSTS: usize = 50;
/// Longest header value or text kept.
const CHARS: usize = 300;

/// One request of the victim's browser, and what the bank did with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// Unix ms when the bank answered.
    pub at: i64,
    pub method: String,
    pub path: String,
    pub origin: Option<String>,
    pub sec_fetch_site: Option<String>,
    pub sec_fetch_mode: Option<String>,
    pub sec_fetch_dest: Option<String>,
    /// Who the bank took the request to be from ("alice by certificate"; "no one").
    pub identity: String,
    pub status: u16,
    /// What the bank did, in a sentence.
    pub decision: String,
    /// The protection that decided it, as its flag (`LAB_FETCH_METADATA`), where one did.
    pub decided_by: Option<String>,
    /// The money moved: "12.00 from alice to mallory".
    pub moved: Option<Moved>,
    /// A page a confirm button is on, served while the gesture guard was on.
    pub guarded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub from: String,
    pub to: String,
    pub amount: String,
}

/// The deliveries being followed.
#[derive(Default)]
pub struct Timelines(Mutex<HashMap<Uuid, Vec<Seen>>>);

impl Timelines {
    /// Starts following `run`; false when too many are followed already.
    pub fn follow(&self, run: Uuid) -> bool {
        let mut runs = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if runs.len() >= RUNS && !runs.contains_key(&run) {
            return false;
        }
        runs.entry(run).or_default();
        true
    }

    /// Stops following `run`, and hands over what was seen.
    pub fn take(&self, run: Uuid) -> Vec<Seen> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&run).unwrap_or_default()
    }

    /// What was seen of `run` so far.
    pub fn so_far(&self, run: Uuid) -> Vec<Seen> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&run).cloned().unwrap_or_default()
    }

    /// The observer's note of one answered request (ignored unless it is a followed delivery's).
    pub fn note(&self, req: &HttpRequest, answer: Answer<'_>) {
        let Some(run) = run_of(req) else { return };
        let mut runs = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let Some(events) = runs.get_mut(&run) else { return };
        // A flood of page loads must not crowd out the transfer the verdict depends on: POSTs
        // have room of their own.
        let post = req.method() == actix_web::http::Method::POST;
        let (gets, posts) =
            events.iter().fold((0, 0), |(g, p), e| if e.method == "POST" { (g, p + 1) } else { (g + 1, p) });
        if (post && posts < POSTS) || (!post && gets < EVENTS) {
            events.push(seen(req, &answer));
        }
    }
}

/// The bank's answer, as the observer has it.
pub struct Answer<'a> {
    pub status: StatusCode,
    pub error: Option<&'a actix_web::Error>,
    pub outcome: Option<&'a Outcome>,
    pub protections: &'a Effective,
    /// The attacker origins a framed page may be shown in (the lab's two).
    pub framers: &'a [crate::origin::Origin],
}

/// The delivery a request belongs to: the id after [`TAG`] in its User-Agent.
pub fn run_of(req: &HttpRequest) -> Option<Uuid> {
    let agent = req.headers().get(actix_web::http::header::USER_AGENT)?.to_str().ok()?;
    let (_, rest) = agent.split_once(TAG)?;
    Uuid::parse_str(rest.get(..36)?).ok()
}

fn cut(text: &str) -> String {
    text.chars().take(CHARS).collect()
}

fn seen(req: &HttpRequest, answer: &Answer<'_>) -> Seen {
    let facts = trail::facts(req);
    let identity = match req.extensions().get::<Visitor>().and_then(|v| v.user.clone()) {
        Some((user, by)) => format!("{} by {}", user.username.as_str(), by.as_str()),
        None => "no one signed in".to_owned(),
    };
    let framed = facts.sec_fetch_dest.as_deref().is_some_and(crate::protections::fetch_metadata::is_frame);
    let (decision, decided_by, moved, guarded) = decide(answer, framed);
    Seen {
        at: clock::now_ms(),
        method: facts.method,
        path: cut(&facts.path),
        origin: facts.origin.as_deref().map(cut),
        sec_fetch_site: facts.sec_fetch_site,
        sec_fetch_mode: facts.sec_fetch_mode,
        sec_fetch_dest: facts.sec_fetch_dest,
        identity,
        status: answer.status.as_u16(),
        decision: cut(&decision),
        decided_by: decided_by.map(str::to_owned),
        moved,
        guarded,
    }
}

/// The protection behind a refusal, as its flag.
fn flag_of(error: &AppError) -> Option<&'static str> {
    Some(match error {
        AppError::OriginRefused { .. } => "LAB_ORIGIN_CHECK",
        AppError::CsrfRefused(_) => "LAB_CSRF_TOKEN",
        AppError::FetchMetadataRefused(_) => "LAB_FETCH_METADATA",
        AppError::NotSignedIn
        | AppError::UnknownCertificateUser { .. }
        | AppError::CertificateNamesNoOne(_)
        | AppError::UnboundCertificate { .. }
        | AppError::CertificateRefused(_) => "LAB_MTLS",
        _ => return None,
    })
}

type Decision = (String, Option<&'static str>, Option<Moved>, bool);

fn decide(answer: &Answer<'_>, framed: bool) -> Decision {
    if let Some(error) = answer.error {
        let flag = error.as_error::<AppError>().and_then(flag_of);
        return (format!("refused (HTTP {}): {error}", answer.status.as_u16()), flag, None, false);
    }
    let p = &answer.protections.protections;
    match answer.outcome {
        Some(Outcome::Transferred { from, to, amount, .. }) => (
            format!("moved {amount} from {from} to {to}"),
            None,
            Some(Moved { from: from.clone(), to: to.clone(), amount: amount.to_string() }),
            false,
        ),
        Some(Outcome::ConfirmationShown { .. })
            if framed && answer.framers.iter().any(|o| p.frame.blocks(o)) =>
        {
            let headers = p.frame.header_lines();
            let text = format!(
                "served the confirmation page into a frame with {}: the browser refuses to show it there",
                headers.join(" and ")
            );
            (text, Some("LAB_FRAME"), None, p.gesture_guard)
        }
        Some(Outcome::ConfirmationShown { .. }) => {
            let mut text = if framed {
                "served the confirmation page into a frame, with nothing that stops framing".to_owned()
            } else {
                "served the confirmation page as the window's own page".to_owned()
            };
            if framed && p.framebuster != crate::protections::framebuster::FrameBuster::Off {
                text.push_str(&format!(
                    " (with the frame-busting script, LAB_FRAMEBUSTER={})",
                    p.framebuster.as_str()
                ));
            }
            (text, None, None, p.gesture_guard)
        }
        Some(Outcome::AskedAgain { amount, threshold }) => (
            format!("asked \"Are you sure?\": {amount} is above LAB_CONFIRM_ABOVE ({threshold})"),
            None,
            None,
            p.gesture_guard,
        ),
        Some(Outcome::Repeated { .. }) => {
            ("saw this form again and moved nothing".to_owned(), None, None, false)
        }
        Some(other) => (other.describe().unwrap_or_else(|| "answered".to_owned()), None, None, false),
        None => (format!("answered HTTP {}", answer.status.as_u16()), None, None, false),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    #[test]
    fn a_request_belongs_to_the_delivery_its_user_agent_names_and_only_a_followed_one_is_kept() {
        let run = uuid::Uuid::now_v7();
        let agent = format!("Mozilla/5.0 (X11) {}{run}", super::TAG);
        let req = TestRequest::default().insert_header(("User-Agent", agent)).to_http_request();
        assert_eq!(super::run_of(&req), Some(run));
        let plain = TestRequest::default().insert_header(("User-Agent", "Mozilla/5.0")).to_http_request();
        assert_eq!(super::run_of(&plain), None);
        let timelines = super::Timelines::default();
        assert!(timelines.so_far(run).is_empty());
        for _ in 0..4 {
            assert!(timelines.follow(uuid::Uuid::now_v7()));
        }
        assert!(!timelines.follow(run), "at most four deliveries are followed at once");
    }
}
