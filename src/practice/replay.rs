//! The replay of a delivery (`/exploit/runs/<id>`, and `<id>.json`): every screenshot with the
//! pointer's path and the clicks drawn over it, the same moments with every frame made visible,
//! what the victim did step by step, what the bank saw of her browser, and the outcome with its
//! reason. While the delivery waits or runs, the page reloads itself.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde_json::json;
use uuid::Uuid;

use super::challenges::Challenge;
use super::desk::Desk;
use super::page::Problem;
use super::report::{Click, HEIGHT, Report, Shot, WIDTH};
use super::store::{self, RunRow, State};
use crate::clock;

fn not_found(what: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "No such delivery", format!("There is no delivery {what:?}."))
}

/// A screenshot as the replay draws it.
struct Drawn {
    shot: Shot,
    url: String,
    /// The pointer's path so far, as SVG polyline points.
    path: String,
    clicks: Vec<(usize, Click)>,
}

#[derive(Template)]
#[template(path = "replay.html")]
struct ReplayPage {
    run: RunRow,
    title: &'static str,
    goal: String,
    queued: String,
    ahead: i64,
    waiting: bool,
    report: Report,
    shots: Vec<Drawn>,
    width: u32,
    height: u32,
}

/// `GET /exploit/runs/<id>` or `<id>.json`.
pub async fn replay(desk: web::Data<Desk>, path: web::Path<String>) -> Result<HttpResponse, Problem> {
    let asked = path.into_inner();
    let (id, as_json) = match asked.strip_suffix(".json") {
        Some(id) => (id.to_owned(), true),
        None => (asked.clone(), false),
    };
    let run_id = Uuid::parse_str(&id).map_err(|_| not_found(&asked))?;
    let run = store::run(&desk.pool, run_id).await?.ok_or_else(|| not_found(&asked))?;
    let report: Report = run.report.as_deref().and_then(|r| serde_json::from_str(r).ok()).unwrap_or_default();
    let waiting = matches!(run.state, State::Queued | State::Running);
    let ahead = if waiting { store::ahead_of(&desk.pool, run.id, run.queued_at).await? } else { 0 };
    let base = format!("/exploit/runs/{}", run.id);
    if as_json {
        let mut report = report;
        if waiting {
            report.timeline = desk.lab.timelines.so_far(run.id);
        }
        let body = json!({
            "id": run.id,
            "challenge": run.challenge,
            "engine": run.engine,
            "state": run.state,
            "outcome": run.outcome,
            "reason": run.reason,
            "solved": run.solved,
            "ahead": ahead,
            "protections": run.protections,
            "clicks": report.clicks,
            "path": report.path,
            "screenshots": report.shots.iter().map(|s| format!("{base}/{}", s.file)).collect::<Vec<_>>(),
            "shots": report.shots,
            "steps": report.steps,
            "timeline": report.timeline,
            "duration_ms": report.duration_ms,
        });
        return Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(body));
    }
    let shots = report
        .shots
        .iter()
        .map(|shot| Drawn {
            url: format!("{base}/{}", shot.file),
            path: report
                .path
                .iter()
                .take(shot.path_before)
                .map(|p| format!("{},{}", p.x, p.y))
                .collect::<Vec<_>>()
                .join(" "),
            clicks: report
                .clicks
                .iter()
                .take(shot.clicks_before)
                .cloned()
                .enumerate()
                .map(|(i, c)| (i + 1, c))
                .collect(),
            shot: shot.clone(),
        })
        .collect();
    let challenge = Challenge::find(&run.challenge);
    let page = ReplayPage {
        title: challenge.map_or("(a challenge no longer in the lab)", |c| c.title),
        goal: challenge.map(Challenge::goal).unwrap_or_default(),
        queued: clock::display(run.queued_at),
        ahead,
        waiting,
        report,
        shots,
        width: WIDTH,
        height: HEIGHT,
        run,
    };
    super::page::html(&page)
}

/// `GET /exploit/runs/<id>/<n>.png`.
pub async fn screenshot(
    desk: web::Data<Desk>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (run, file) = path.into_inner();
    let run = Uuid::parse_str(&run).map_err(|_| not_found(&run))?;
    let number = file.strip_suffix(".png").filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    let Some(number) = number else { return Err(not_found(&file)) };
    let bytes = std::fs::read(desk.run_dir(run).join(format!("{number}.png"))).map_err(|_| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "No such screenshot",
            "This delivery has no such screenshot (the lab keeps those of the newest 100 deliveries).".into(),
        )
    })?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .body(bytes))
}
