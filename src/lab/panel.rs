//! The protections panel (`/lab/protections`): switches the bank's protections while the lab
//! runs, for every visitor at once, like the security levels of DVWA and bWAPP. Each switch is
//! audited. The panel is guarded by every protection whatever the flags say
//! ([`crate::protections::live::always_guarded`]), needs a signed-in user, and answers only on
//! loopback unless `LAB_ALLOW_PUBLIC=yes`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::audit::Outcome;
use crate::config::{SWITCHABLE, Var};
use crate::error::{AppError, Result};
use crate::identity::SignedIn;
use crate::practice::challenges::Challenge;
use crate::protections::Protections;
use crate::protections::live::PANEL_PATH;
use crate::state::AppState;
use crate::web::layout::Layout;
use crate::web::respond::{done, render, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(PANEL_PATH, web::get().to(page)).route(PANEL_PATH, web::post().to(switch));
}

/// One switchable protection, as the form shows it.
struct Row {
    var: &'static Var,
    now: String,
    started: String,
}

#[derive(Template)]
#[template(path = "protections.html")]
struct PanelPage {
    layout: Layout,
    rows: Vec<Row>,
    /// The panel always checks its token, whatever `LAB_CSRF_TOKEN` says.
    token: String,
    switched: bool,
    /// `?challenge=<id>`: the form holds that challenge's protections, to apply with one press.
    challenge: Option<&'static Challenge>,
}

/// The value of `var` in `protections`, as the variable would be set.
fn value(var: &Var, p: &Protections) -> String {
    let on_off = |on: bool| if on { "on" } else { "off" }.to_owned();
    match var.name {
        "LAB_FRAME" => p.frame.mode.as_str().to_owned(),
        "LAB_ORIGIN_CHECK" => on_off(p.origin_check),
        "LAB_CSRF_TOKEN" => on_off(p.csrf_token),
        "LAB_SAMESITE" => p.samesite.as_str().to_owned(),
        "LAB_FETCH_METADATA" => on_off(p.fetch_metadata),
        "LAB_GESTURE_GUARD" => on_off(p.gesture_guard),
        "LAB_FRAMEBUSTER" => p.framebuster.as_str().to_owned(),
        _ => String::new(),
    }
}

/// Refuses a visitor from another machine unless the lab was started with `LAB_ALLOW_PUBLIC=yes`.
fn local_only(req: &HttpRequest, state: &AppState) -> Result<()> {
    let local = req.peer_addr().is_some_and(|peer| peer.ip().is_loopback());
    if local || state.settings.network.allow_public {
        return Ok(());
    }
    Err(AppError::LocalOnly)
}

async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: SignedIn,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    local_only(&req, &state)?;
    let now = state.protections.now();
    let challenge = query.iter().find(|(k, _)| k == "challenge").and_then(|(_, id)| Challenge::find(id));
    let shown = challenge.map(|c| c.protections_for(&state.settings));
    let rows = SWITCHABLE[1..]
        .iter()
        .map(|var| Row {
            var,
            now: value(var, shown.as_ref().unwrap_or(&now.protections)),
            started: value(var, &state.settings.protections),
        })
        .collect();
    let subject = me.visitor.csrf_subject().ok_or(AppError::NotSignedIn)?;
    let page = PanelPage {
        layout: Layout::new(&state, &me.visitor, "Protections").await?,
        rows,
        token: state.csrf_key.token_for(&subject.to_string()),
        switched: query.iter().any(|(k, v)| k == "switched" && v == "1"),
        challenge,
    };
    render(StatusCode::OK, &page)
}

/// `POST /lab/protections`: the `LAB_*` fields of the form become the protections in force.
async fn switch(
    req: HttpRequest,
    state: web::Data<AppState>,
    _me: SignedIn,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    local_only(&req, &state)?;
    let posted: Vec<(&str, &str)> =
        form.iter().filter(|(k, _)| k.starts_with("LAB_")).map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let protections = state.settings.switched(&posted).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let before = state.protections.now().protections.summary();
    let after = state.protections.switch(protections).protections.summary();
    let mut changes: Vec<String> = Vec::new();
    for var in &SWITCHABLE[1..] {
        let was = before.iter().find(|s| s.flag == var.name).map_or("off", |s| s.value.as_str());
        let is = after.iter().find(|s| s.flag == var.name).map_or("off", |s| s.value.as_str());
        if was != is {
            changes.push(format!("{} {was} -> {is}", var.name));
        }
    }
    let response = see_other(&format!("{PANEL_PATH}?switched=1"));
    Ok(done(Outcome::ProtectionsSwitched { changes }, response))
}
