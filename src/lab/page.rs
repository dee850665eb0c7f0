//! The lab page (`/lab`): every scenario, the outcome to expect under the current flags (computed
//! by `lab::expect` from the protections' own rules), solved badges, and the reset; and the start
//! page's probe (`/lab/probe.svg`). Served on the bank's origin, where the visitor's certificate
//! or session says who the victim would be.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::Engine;
use super::board::{self, Row};
use super::observer::LabState;
use super::probe;
use super::verdicts;
use crate::audit::Outcome;
use crate::db;
use crate::error::{AppError, Result};
use crate::identity::{SignedIn, SignedInBy, Visitor};
use crate::practice::challenges::{CHALLENGES, Challenge};
use crate::practice::progress::{self, Standing};
use crate::state::AppState;
use crate::web::layout::Layout;
use crate::web::respond::{done, render, see_other};

/// Mounts the lab's pages on the bank.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/lab", web::get().to(page))
        .route("/lab/reset", web::post().to(reset))
        .route("/lab/probe.svg", web::get().to(probe_image));
}

/// The query the reset redirects with, so the lab page confirms it (a GET that writes nothing).
const RESET_DONE: &str = "reset=done";

#[derive(Template)]
#[template(path = "lab.html")]
struct LabPage {
    layout: Layout,
    rows: Vec<Row>,
    you: &'static str,
    engines: [Engine; 2],
    /// The visitor's engine, from its User-Agent (None: another one, such as Safari's WebKit).
    your_engine: Option<Engine>,
    /// Arrived from the reset (`?reset=done`): say that it happened.
    reset_done: bool,
    /// The practice challenges, and how far the trainee got with each.
    challenges: Vec<(&'static Challenge, Standing)>,
    /// The exploit server, on the attacker origin.
    exploit_server: String,
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
    let victim = board::victim(by.map(|by| by == SignedInBy::Certificate), state.settings.identity.mtls);
    let detected = verdicts::solved(&state.pool).await?;
    let standings = progress::standings(&state.pool).await?;
    let challenges = CHALLENGES
        .iter()
        .map(|c| (c, standings.iter().find(|s| s.challenge == c.id).cloned().unwrap_or_default()))
        .collect();
    let page = LabPage {
        layout: Layout::new(&state, &visitor, "The lab").await?,
        rows: board::rows(&state.effective_settings(), &state.sites, victim, your_engine, &detected),
        engines: Engine::ALL,
        your_engine,
        reset_done: req.query_string().split('&').any(|pair| pair == RESET_DONE),
        challenges,
        exploit_server: format!("{}/exploit", state.sites.cross_site.as_str()),
        you: by.map_or("not signed in", |by| match by {
            SignedInBy::Certificate => "signed in by certificate",
            SignedInBy::Password => "signed in by password",
        }),
    };
    render(StatusCode::OK, &page)
}

/// `POST /lab/reset`: seeded balances back, transfers (and so the badges) and the audit log gone.
pub async fn reset(
    state: web::Data<AppState>,
    lab: web::Data<LabState>,
    _me: SignedIn,
) -> Result<HttpResponse> {
    db::reset(&state.pool).await.map_err(|e| AppError::internal("reset", e))?;
    state.balances.changed();
    lab.renders.clear();
    Ok(done(Outcome::Reset, see_other(&format!("/lab?{RESET_DONE}"))))
}

#[derive(serde::Deserialize)]
pub struct ProbeQuery {
    nonce: String,
}

/// `GET /lab/probe.svg?nonce=…`: notes what the bank saw, answers a small image (with
/// `Cross-Origin-Resource-Policy: cross-origin`, so the start page may load it; it shows nothing).
pub async fn probe_image(
    req: HttpRequest,
    lab: web::Data<LabState>,
    query: web::Query<ProbeQuery>,
) -> Result<HttpResponse> {
    if probe::valid_nonce(&query.nonce) {
        let visitor = Visitor::of(&req).await?;
        lab.probes.remember(&query.nonce, probe::Finding::of(&visitor));
    }
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(probe::PIXEL))
}
