//! The exploit server's pages: the form (challenge, its brief and hints, the page being written,
//! Store / View / Deliver, the deliveries so far, the stored versions), the access log, and the
//! one page every refusal of the exploit server is shown on ([`Problem`]).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;

use super::challenges::{CHALLENGES, Challenge};
use super::desk::{Access, Desk};
use super::progress::{self, Standing};
use super::store::{self, RunRow};
use crate::clock;
use crate::lab::Engine;

/// A refusal of the exploit server: its status, a title and what to do, on one page.
#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, message: String) -> Self {
        Self { status, title, message }
    }

    pub fn bad(message: String) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "The form is not right", message)
    }
}

impl From<sqlx::Error> for Problem {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!("the exploit server's database: {e}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The database failed",
            "Nothing was changed; try again.".into(),
        )
    }
}

/// One of the exploit server's own pages: never framed by another site (a framed "Deliver"
/// button could be clickjacked too), never cached. Stored exploits are not served through here.
pub fn html(page: &impl Template) -> Result<HttpResponse, Problem> {
    let html = page
        .render()
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "The page failed", e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("X-Frame-Options", "SAMEORIGIN"))
        .insert_header(("Content-Security-Policy", "frame-ancestors 'self'"))
        .body(html))
}

#[derive(Template)]
#[template(path = "exploit_problem.html")]
struct ProblemPage<'a> {
    title: &'static str,
    message: &'a str,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.title, self.message)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let page = ProblemPage { title: self.title, message: &self.message };
        let html = page.render().unwrap_or_else(|_| format!("{}: {}", self.title, self.message));
        HttpResponse::build(self.status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("X-Frame-Options", "SAMEORIGIN"))
            .insert_header(("Content-Security-Policy", "frame-ancestors 'self'"))
            .body(html)
    }
}

/// One challenge in the list.
struct Listed {
    challenge: &'static Challenge,
    standing: Standing,
}

/// A delivery in the list.
struct Delivered {
    run: RunRow,
    when: String,
}

#[derive(Template)]
#[template(path = "exploit.html")]
struct FormPage {
    challenges: Vec<Listed>,
    challenge: &'static Challenge,
    standing: Standing,
    body: String,
    /// The engine the form offers first: the first one installed.
    first_ready: Option<Engine>,
    hints: Vec<&'static str>,
    solution: Option<&'static str>,
    wanted: Vec<String>,
    differences: Vec<String>,
    apply: String,
    engines: Vec<(Engine, Result<(), String>)>,
    deliveries: Vec<Delivered>,
    versions: Vec<(i64, String, i64)>,
}

/// `GET /exploit[?challenge=<id>]`.
pub async fn form_page(
    desk: web::Data<Desk>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, Problem> {
    let asked = query.iter().find(|(k, _)| k == "challenge").map(|(_, v)| v.as_str());
    let challenge = match asked {
        Some(id) => Challenge::find(id).ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                "No such challenge",
                format!("There is no challenge named {id:?}."),
            )
        })?,
        None => &CHALLENGES[0],
    };
    let standings = progress::standings(&desk.pool).await?;
    let standing_of = |id: &str| standings.iter().find(|s| s.challenge == id).cloned().unwrap_or_default();
    let standing = standing_of(challenge.id);
    let bank = desk.bank.sites.bank.as_str();
    let body = match store::latest(&desk.pool, challenge.id).await? {
        Some(exploit) => exploit.body,
        None => challenge.starter(bank),
    };
    let settings = &desk.bank.settings;
    let now = desk.bank.protections.now();
    let scenario = crate::lab::scenarios::Scenario::find(challenge.scenario);
    let engines: Vec<(Engine, Result<(), String>)> =
        Engine::ALL.iter().map(|e| (*e, super::desk::victim_browser(settings, *e).map(|_| ()))).collect();
    let page = FormPage {
        challenges: CHALLENGES.iter().map(|c| Listed { challenge: c, standing: standing_of(c.id) }).collect(),
        challenge,
        hints: challenge.hints.iter().take(standing.hints_opened.max(0) as usize).copied().collect(),
        solution: scenario.filter(|_| standing.solution_seen).map(|s| s.page),
        standing,
        body,
        wanted: challenge
            .protections_for(settings)
            .summary()
            .iter()
            .map(|s| format!("{}={}", s.flag, s.value))
            .collect(),
        differences: super::verdict::differences(challenge, settings, &now.protections),
        apply: format!("{bank}/lab/protections?challenge={}", challenge.id),
        first_ready: engines.iter().find(|(_, ready)| ready.is_ok()).map(|(e, _)| *e),
        engines,
        deliveries: store::recent_runs(&desk.pool, Some(challenge.id), 10)
            .await?
            .into_iter()
            .map(|run| Delivered { when: clock::display(run.queued_at), run })
            .collect(),
        versions: store::history(&desk.pool, challenge.id)
            .await?
            .into_iter()
            .map(|(id, at, size)| (id, clock::display(at), size))
            .collect(),
    };
    html(&page)
}

#[derive(Template)]
#[template(path = "exploit_log.html")]
struct LogPage {
    entries: Vec<Access>,
}

/// `GET /exploit/log`: the requests for stored pages the exploit server received, newest first.
pub async fn access_log(desk: web::Data<Desk>) -> Result<HttpResponse, Problem> {
    let page = LogPage { entries: desk.access.newest() };
    html(&page)
}
