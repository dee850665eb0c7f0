//! The exploit server, on the attacker origin: `GET /exploit` (the form; `?challenge=<id>`),
//! `POST /exploit` (`challenge`, `body`, `engine`, `action` = `store` | `view` | `deliver`),
//! `GET /exploit/<challenge>` (the stored page, byte for byte, `?version=<n>` for an older one),
//! `GET /exploit/runs/<id>` and `<id>.json` (the replay), `GET /exploit/log` (what it received),
//! and `POST /exploit/hint` / `/exploit/solution`. It never serves a stored page on the bank's
//! origin: the bank has no route to them.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, guard, web};

use super::challenges::Challenge;
use super::desk::Desk;
use super::form::{self, Posted};
use super::page::{self, Problem};
use super::progress;
use super::queue::Queue;
use super::run::Job;
use super::store::{self, MAX_BODY};
use crate::lab::Engine;

pub fn routes(cfg: &mut web::ServiceConfig, cross_site: &crate::origin::Origin) {
    // Only on the cross-site attacker (http://127.0.0.1:<port>): a stored page served by the
    // same-site listener would run on the bank's own host, where it could set the bank's cookies.
    let host = cross_site.as_str().rsplit("//").next().unwrap_or_default().to_owned();
    let only_there = guard::fn_guard(move |ctx| {
        ctx.head().headers().get(header::HOST).and_then(|h| h.to_str().ok()) == Some(host.as_str())
    });
    cfg.service(
        web::scope("/exploit")
            .guard(only_there)
            .wrap(DefaultHeaders::new().add(("Cache-Control", "no-store")))
            .route("", web::get().to(page::form_page))
            .route("", web::post().to(post))
            .route("/log", web::get().to(page::access_log))
            .route("/hint", web::post().to(hint))
            .route("/solution", web::post().to(solution))
            .route("/runs/{run}", web::get().to(super::replay::replay))
            .route("/runs/{run}/{shot}", web::get().to(super::replay::screenshot))
            .route("/{challenge}", web::get().to(view)),
    );
}

type Answer = Result<HttpResponse, Problem>;

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", location)).finish()
}

/// Who may post to the exploit server: the trainee, from its own pages or with a tool, on this
/// machine (unless `LAB_ALLOW_PUBLIC=yes`). Refused: a browser's POST from another site (a page
/// driving the exploit server behind the trainee's back), and any POST from the victim's own
/// browser (a stored page that delivers itself would never end).
fn allowed(req: &HttpRequest, desk: &Desk) -> Result<(), Problem> {
    let refuse =
        |title: &'static str, message: String| Err(Problem::new(StatusCode::FORBIDDEN, title, message));
    if super::timeline::run_of(req).is_some() {
        return refuse(
            "Not from the victim",
            "The victim's browser may not store or deliver exploits: a page that delivers itself would never end."
                .into(),
        );
    }
    let local = req.peer_addr().is_some_and(|peer| peer.ip().is_loopback());
    if !local && !desk.bank.settings.network.allow_public {
        return refuse(
            "From this machine only",
            "The exploit server takes forms from the lab's own machine only (or start the lab with \
             LAB_ALLOW_PUBLIC=yes)."
                .into(),
        );
    }
    match req.headers().get(header::ORIGIN) {
        None => Ok(()),
        Some(origin) if origin.as_bytes() == desk.bank.sites.cross_site.as_str().as_bytes() => Ok(()),
        Some(origin) => refuse(
            "Not from the exploit server's own page",
            format!(
                "This form was posted from {}; the exploit server takes forms only from its own pages.",
                String::from_utf8_lossy(origin.as_bytes())
            ),
        ),
    }
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

/// `POST /exploit`: store the page, then view it or deliver it to the victim.
async fn post(
    req: HttpRequest,
    desk: web::Data<Desk>,
    queue: web::Data<Queue>,
    body: web::Payload,
) -> Answer {
    allowed(&req, &desk)?;
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
    let exploit_id = store::store_exploit(&desk.pool, challenge.id, page).await?;
    match action {
        "view" => Ok(see_other(&format!("/exploit/{}", challenge.id))),
        "deliver" => deliver(&desk, &queue, challenge, exploit_id, engine).await,
        _ => Ok(see_other(&format!("/exploit?challenge={}", challenge.id))),
    }
}

async fn deliver(
    desk: &Desk,
    queue: &Queue,
    challenge: &'static Challenge,
    exploit_id: i64,
    engine: Engine,
) -> Answer {
    let binary = super::desk::victim_browser(&desk.bank.settings, engine).map_err(|why| {
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
    // The protections are those in force when the victim starts (the run notes them then).
    let waiting = "(not started yet)";
    let run = store::queue_run(&desk.pool, challenge.id, exploit_id, engine.as_str(), waiting).await?;
    let job = Job { run, challenge, exploit_id, engine, binary };
    if let Err(full) = queue.submit(job) {
        let end = store::Finish {
            state: store::State::Failed,
            outcome: "error",
            reason: &full.to_string(),
            solved: false,
            report: "{}",
        };
        store::finish(&desk.pool, run, &end).await?;
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
        Some(Ok(id)) => store::exploit(&desk.pool, id).await?.filter(|e| e.challenge == challenge.id),
        Some(Err(_)) => {
            return Err(Problem::bad("version must be a number from the exploit's history.".into()));
        }
        None => store::latest(&desk.pool, challenge.id).await?,
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
    allowed(&req, &desk)?;
    let posted = form::read(body).await?;
    let challenge = challenge(posted.get("challenge").unwrap_or_default())?;
    progress::open_hint(&desk.pool, challenge.id, challenge.hints.len() as i64).await?;
    Ok(see_other(&format!("/exploit?challenge={}#hints", challenge.id)))
}

/// `POST /exploit/solution`: the worked solution (the catalogue's attack page), noted.
async fn solution(req: HttpRequest, desk: web::Data<Desk>, body: web::Payload) -> Answer {
    allowed(&req, &desk)?;
    let posted = form::read(body).await?;
    let challenge = challenge(posted.get("challenge").unwrap_or_default())?;
    progress::show_solution(&desk.pool, challenge.id).await?;
    Ok(see_other(&format!("/exploit?challenge={}#solution", challenge.id)))
}
