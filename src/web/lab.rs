//! The lab page (`/lab`): every scenario, the outcome to expect under the current flags (computed
//! by `lab::expect` from the protections' own rules), solved badges, and the reset.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use crate::audit;
use crate::db;
use crate::error::{AppError, Result};
use crate::identity::{SignedIn, SignedInBy, Visitor};
use crate::lab::Engine;
use crate::lab::board::{self, Row};
use crate::lab::solves;
use crate::protections::frame;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "lab.html")]
struct LabPage {
    layout: Layout,
    rows: Vec<Row>,
    you: &'static str,
    engines: [Engine; 2],
    /// The visitor's engine, from its User-Agent (None: another one, such as Safari's WebKit).
    your_engine: Option<Engine>,
}

impl LabPage {
    fn is_yours(&self, engine: &Engine) -> bool {
        self.your_engine == Some(*engine)
    }
}

pub async fn page(req: HttpRequest, state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let user_agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let your_engine = Engine::from_user_agent(user_agent);
    let by = visitor.user.as_ref().map(|(_, by)| *by);
    let victim = board::victim(by.map(|by| by == SignedInBy::Certificate), state.settings.mtls);
    let detected = solves::solved(&state.pool).await?;
    let page = LabPage {
        layout: Layout::new(&state, &visitor, "The lab").await?,
        rows: board::rows(&state.settings, &state.lab_origins(), victim, your_engine, &detected),
        engines: Engine::ALL,
        your_engine,
        you: by.map_or("not signed in", |by| match by {
            SignedInBy::Certificate => "signed in by certificate",
            SignedInBy::Password => "signed in by password",
        }),
    };
    super::render(StatusCode::OK, &page)
}

/// `POST /lab/reset`: seeded balances back, transfers (and so the badges) and the audit log gone.
pub async fn reset(req: HttpRequest, state: web::Data<AppState>, _me: SignedIn) -> Result<HttpResponse> {
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
    let summary = frame::describe_report(&body).map_err(AppError::BadRequest)?;
    audit::note(&req, summary);
    Ok(HttpResponse::NoContent().finish())
}
