//! The exploit server, on the attacker origin: `GET /exploit` (the form; `?challenge=<id>`),
//! `POST /exploit` (`challenge`, `body`, `engine`, `action` = `store` | `view` | `deliver`),
//! `GET /exploit/<challenge>` (the stored page, byte for byte, `?version=<n>` for an older one),
//! `GET /exploit/runs/<id>` and `<id>.json` (the replay), `GET /exploit/log` (what it received),
//! and `POST /exploit/hint` / `/exploit/solution`. It never serves a stored page on the bank's
//! origin: the bank has no route to them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::challenges::Challenge;
use super::desk::Desk;
use super::form::{self, Posted};
use super::page::{self, Problem};
use super::progress;
use super::queue::Queue;
use super::run::Job;
use super::store::{self, MAX_BODY};
use crate::lab::Engine;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/exploit", web::get().to(page::form_page))
        .route("/exploit", web::post().to(post))
        .route("/exploit/log", web::get().to(page::access_log))
        .route("/exploit/hint", web::post().to(hint))
        .route("/exploit/solution", web::post().to(solution))
        .route("/exploit/runs/{run}", web::get().to(super::replay::replay))
        .route("/exploit/runs/{run}/{shot}", web::get().to(super::replay::screenshot))
        .route("/exploit/{challenge}", web::get().to(view));
}

type Answer = Result<HttpResponse, Problem>;

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", location)).finish()
}

/// A browser's POST from another site (a page driving the exploit server behind the trainee's
/// back) is refused; tools that send no Origin are not browsers and may post.
fn same_origin(req: &HttpRequest, desk: &Desk) -> Result<(), Problem> {
    let Some(origin) = req.headers().get("origin").and_then(|v| v.to_str().ok()) else { return Ok(()) };
    let sites = &desk.bank.sites;
    if origin == sites.cross_site.as_str() || origin == sites.same_site.as_str() {
        return Ok(());
    }
    Err(Problem::new(
        StatusCode::FORBIDDEN,
        "Not from the exploit server's own page",
        format!(
            "This form was posted from {origin}; the exploit server takes forms only from its own pages."
        ),
    ))
}

fn challenge(id: &str) -> Result<&'static Challenge, Problem> {
    Challenge::find(id).ok_or_else(|| {
        let ids: Vec<&str> = super::challenges::CHALLENGES.iter().map(|c| c.id).collect();
        Problem::new(
            StatusCode::NOT_FOUND,
            "No such challenge",
            format!("There is no challenge named {id:?}. The challenges are: {}.", ids.join(", ")),
        )
    })
}

fn db(e: sqlx::Error) -> Problem {
    tracing::error!("the exploit server's database: {e}");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The database failed",
        "Nothing was stored; try again.".into(),
    )
}

/// `POST /exploit`: store the page, then view it or deliver it to the victim.
async fn post(
    req: HttpRequest,
    desk: web::Data<Desk>,
    queue: web::Data<Queue>,
    body: web::Payload,
) -> Answer {
    same_origin(&req, &desk)?;
    let posted: Posted = form::read(body).await?;
    let challenge = challenge(posted.get("challenge").unwrap_or_default())?;
    let page = posted.get("body").unwrap_or_default();
    if page.len() > MAX_BODY {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The exploit is too large",
            format!(
                "It is {} KiB; the exploit server stores at most {} KiB.",
                page.len().div_ceil(1024),
                MAX_BODY / 1024
            ),
        ));
    }
    let engine = match posted.get("engine").unwrap_or("chromium") {
        "" | "chromium" => Engine::Chromium,
        "firefox" => Engine::Firefox,
        other => {
            return Err(Problem::bad(format!(
                "engine={other:?}: the victim's browser is chromium or firefox."
            )));
        }
    };
    let action = posted.get("action").unwrap_or("store");
    if !matches!(action, "store" | "view" | "deliver") {
        return Err(Problem::bad(format!("action={action:?}: the actions are store, view and deliver.")));
    }
    let exploit_id = store::store_exploit(&desk.pool, challenge.id, page).await.map_err(db)?;
    match action {
        "view" => Ok(see_other(&format!("/exploit/{}", challenge.id))),
        "deliver" => deliver(&req, &desk, &queue, challenge, exploit_id, engine).await,
        _ => Ok(see_other(&format!("/exploit?challenge={}&stored={exploit_id}", challenge.id))),
    }
}

async fn deliver(
    req: &HttpRequest,
    desk: &Desk,
    queue: &Queue,
    challenge: &'static Challenge,
    exploit_id: i64,
    engine: Engine,
) -> Answer {
    let settings = &desk.bank.settings;
    let local = req.peer_addr().is_some_and(|peer| peer.ip().is_loopback());
    if !local && !settings.network.allow_public {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Deliveries come from this machine only",
            "Your exploit is stored. The victim runs a browser on the lab's machine, so only a visitor on that \
             machine may deliver (or start the lab with LAB_ALLOW_PUBLIC=yes)."
                .into(),
        ));
    }
    let binary = super::desk::victim_browser(settings, engine).map_err(|why| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The victim has no browser",
            format!("Your exploit is stored. {why}"),
        )
    })?;
    if !queue.has_room() {
        return Err(Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "The victim is busy",
            format!("Your exploit is stored. {}", super::queue::Full),
        ));
    }
    let now = desk.bank.protections.now();
    let differences = page::differences(challenge, settings, &now.protections);
    let summary =
        now.protections.summary().iter().map(|s| format!("{}={}", s.flag, s.value)).collect::<Vec<_>>();
    let run = store::queue_run(&desk.pool, challenge.id, exploit_id, engine.as_str(), &summary.join(" "))
        .await
        .map_err(db)?;
    let job = Job { run, challenge, exploit_id, engine, binary, differences };
    if let Err(full) = queue.submit(job) {
        let end = store::Finish {
            state: store::State::Failed,
            outcome: "error",
            reason: &full.to_string(),
            solved: false,
            report: "{}",
        };
        store::finish(&desk.pool, run, &end).await.map_err(db)?;
    }
    Ok(see_other(&format!("/exploit/runs/{run}")))
}

/// `GET /exploit/<challenge>`: the stored page, as stored.
async fn view(
    req: HttpRequest,
    desk: web::Data<Desk>,
    path: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> Answer {
    let challenge = challenge(&path)?;
    log_access(&req, &desk);
    let version = query.iter().find(|(k, _)| k == "version").map(|(_, v)| v.parse::<i64>());
    let exploit = match version {
        Some(Ok(id)) => {
            store::exploit(&desk.pool, id).await.map_err(db)?.filter(|e| e.challenge == challenge.id)
        }
        Some(Err(_)) => {
            return Err(Problem::bad("version must be a number from the exploit's history.".into()));
        }
        None => store::latest(&desk.pool, challenge.id).await.map_err(db)?,
    };
    let exploit = exploit.ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "Nothing stored yet",
            format!(
                "No exploit is stored for {} (at that version). Write one at /exploit?challenge={}.",
                challenge.id, challenge.id
            ),
        )
    })?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(exploit.body))
}

fn log_access(req: &HttpRequest, desk: &Desk) {
    let peer = req.peer_addr().map_or_else(|| "?".to_owned(), |p| p.to_string());
    let agent = req.headers().get("user-agent").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let path = req.uri().path_and_query().map_or_else(|| req.path().to_owned(), |pq| pq.to_string());
    desk.access.push(peer, req.method().as_str(), &path, agent.as_deref().unwrap_or(""));
}

/// `POST /exploit/hint`: the challenge's next hint.
async fn hint(req: HttpRequest, desk: web::Data<Desk>, body: web::Payload) -> Answer {
    same_origin(&req, &desk)?;
    let posted = form::read(body).await?;
    let challenge = challenge(posted.get("challenge").unwrap_or_default())?;
    progress::open_hint(&desk.pool, challenge.id, challenge.hints.len() as i64).await.map_err(db)?;
    Ok(see_other(&format!("/exploit?challenge={}#hints", challenge.id)))
}

/// `POST /exploit/solution`: the worked solution (the catalogue's attack page), noted.
async fn solution(req: HttpRequest, desk: web::Data<Desk>, body: web::Payload) -> Answer {
    same_origin(&req, &desk)?;
    let posted = form::read(body).await?;
    let challenge = challenge(posted.get("challenge").unwrap_or_default())?;
    progress::show_solution(&desk.pool, challenge.id).await.map_err(db)?;
    Ok(see_other(&format!("/exploit?challenge={}#solution", challenge.id)))
}
