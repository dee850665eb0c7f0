//! The lab page (`/lab`): every scenario, the outcome to expect under the current flags (computed
//! by `lab::expect` from the protections' own rules), solved badges, and the reset.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use crate::audit;
use crate::config::MtlsMode;
use crate::db;
use crate::error::{AppError, Result};
use crate::identity::{SignedInBy, Visitor};
use crate::lab::scenarios::{SCENARIOS, Scenario};
use crate::lab::{self, AttackerOrigins, Browser, Outcome, Victim, solves};
use crate::state::AppState;

/// One row of the lab page.
struct Row {
    scenario: &'static Scenario,
    url: String,
    victim: &'static str,
    outcome: Outcome,
    /// The same, in a browser that allows third-party cookies (shown where it differs).
    with_third_party_cookies: Option<Outcome>,
    solved: Vec<(String, i64)>,
}

#[derive(Template)]
#[template(path = "lab.html")]
struct LabPage {
    layout: Layout,
    rows: Vec<Row>,
    you: &'static str,
}

/// The identity a scenario is judged for: its own, or the visitor's.
fn victim_for(scenario: &Scenario, visitor: &Visitor, mtls: MtlsMode) -> Victim {
    scenario.victim.unwrap_or(match visitor.user.as_ref().map(|(_, by)| *by) {
        Some(SignedInBy::Certificate) => Victim::Certificate,
        Some(SignedInBy::Password) => Victim::CookieSession,
        None if mtls == MtlsMode::Off => Victim::CookieSession,
        None => Victim::Certificate,
    })
}

pub async fn page(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let attacker = AttackerOrigins {
        cross_site: state.attacker_origin.clone(),
        same_site: state.samesite_attacker_origin.clone(),
    };
    let solved = solves::solved(&state.pool).await?;
    let rows = SCENARIOS
        .iter()
        .map(|scenario| {
            let victim = victim_for(scenario, &visitor, state.settings.mtls);
            let judge = |browser| lab::expect(scenario.delivery, victim, &state.settings, &attacker, browser);
            let outcome = judge(Browser::CHROMIUM_DEFAULTS);
            let allowed = judge(Browser { third_party_cookies: true });
            let origin = if scenario.same_site() { &attacker.same_site } else { &attacker.cross_site };
            Row {
                url: format!("{origin}{}", scenario.page),
                victim: match victim {
                    Victim::Certificate => "certificate",
                    Victim::CookieSession => "password session",
                },
                with_third_party_cookies: (allowed != outcome).then_some(allowed),
                outcome,
                solved: solved
                    .iter()
                    .filter(|(id, _, _)| id == scenario.id)
                    .map(|(_, detection, n)| (detection.clone(), *n))
                    .collect(),
                scenario,
            }
        })
        .collect();
    let page = LabPage {
        layout: Layout::new(&state, &visitor, "The lab").await?,
        rows,
        you: match visitor.user.as_ref().map(|(_, by)| *by) {
            Some(SignedInBy::Certificate) => "signed in by certificate",
            Some(SignedInBy::Password) => "signed in by password",
            None => "not signed in",
        },
    };
    super::render(StatusCode::OK, &page)
}

/// `POST /lab/reset`: seeded balances back, transfers (and so the badges) and the audit log gone.
pub async fn reset(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    db::reset(&state.pool).await.map_err(|e| AppError::internal("reset", e))?;
    audit::note(&req, "the lab was reset: seeded balances restored, transfers and audit log cleared".into());
    Ok(super::see_other("/lab"))
}

/// `POST /csp-report`: a report-only policy's violation reports (`LAB_FRAME=report-only`),
/// recorded in the audit log: the policy saw the framing and let it happen.
pub async fn csp_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse> {
    if state.settings.protections.frame.report_only().is_none() {
        return Err(AppError::NotFound("reports are collected only with LAB_FRAME=report-only".into()));
    }
    let report: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("A CSP report is JSON; this was not: {e}.")))?;
    let inner = &report["csp-report"];
    let field = |name: &str| inner[name].as_str().unwrap_or("?").to_owned();
    audit::note(
        &req,
        format!(
            "CSP report (report-only: nothing was blocked): the browser says {} (policy \"{}\") was violated \
             on {} (blocked URI: {})",
            field("violated-directive"),
            field("original-policy"),
            field("document-uri"),
            field("blocked-uri"),
        ),
    );
    Ok(HttpResponse::NoContent().finish())
}
