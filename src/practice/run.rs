//! One delivery. A throwaway profile for alice (the lab CA trusted, her certificate), the
//! victim's browser started on it with the delivery's tag in its User-Agent, the trainee's stored
//! page opened, the person acting as the challenge says, and then: the browser stopped, the
//! profile removed, the report and the verdict kept. Bounded by [`LIMIT`] whatever the page does.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::challenges::Challenge;
use super::desk::Desk;
use super::person::{Acted, Person};
use super::report::{HEIGHT, Point, Report, WIDTH};
use super::store::{self, Finish, State};
use super::timeline::Seen;
use super::verdict::{self, Differences};
use crate::browser::profile::{self, Recipe};
use crate::lab::Engine;
use crate::victim::driver::{self, Driver, DriverError, Launch};
use crate::victim::user_agent;

/// The longest a delivery runs once the victim's browser is up (its start is bounded apart, by
/// [`driver::START`]).
pub const LIMIT: Duration = Duration::from_secs(20);
/// How long the victim gives her page to load before she acts anyway.
const LOADING: Duration = Duration::from_secs(8);
/// How long after her last press she waits for the bank to answer.
const SETTLE: Duration = Duration::from_secs(3);

/// A delivery waiting for the victim.
pub struct Job {
    pub run: Uuid,
    pub challenge: &'static Challenge,
    pub exploit_id: i64,
    pub engine: Engine,
    pub binary: PathBuf,
}

/// Runs `job` to its end and keeps the result; never fails (a failure is the result).
pub async fn deliver(desk: &Arc<Desk>, job: Job) {
    let run = job.run;
    let now = desk.bank.protections.now();
    let differences = verdict::differences(job.challenge, &desk.bank.settings, &now.protections);
    let summary: Vec<String> =
        now.protections.summary().iter().map(|s| format!("{}={}", s.flag, s.value)).collect();
    if let Err(e) = store::mark_running(&desk.pool, run, &summary.join(" ")).await {
        tracing::error!("delivery {run}: cannot mark it running: {e}");
    }
    desk.lab.timelines.follow(run);
    let challenge = job.challenge;
    let worker = {
        let desk = desk.clone();
        tokio::task::spawn_blocking(move || browse(&desk, &job))
    };
    // The browse bounds itself; this is the backstop should a call ever not return.
    let result = tokio::time::timeout(driver::START + LIMIT + Duration::from_secs(15), worker).await;
    let seen = desk.lab.timelines.take(run);
    // What the bank saw is judged whatever happened to the browser: money that moved before a
    // failure moved.
    let (state, verdict, mut report) = match result {
        Ok(Ok((Ok(acted), report))) => {
            (State::Done, verdict::judge(challenge, &acted, &seen, &differences), report)
        }
        Ok(Ok((Err(e), report))) => (State::Failed, failed(&e, challenge, &seen, &differences), report),
        Ok(Err(panicked)) => {
            tracing::error!("delivery {run}: the victim's worker failed: {panicked}");
            let e = DriverError::Crashed("the victim's worker stopped".into());
            (State::Failed, failed(&e, challenge, &seen, &differences), Report::default())
        }
        Err(_) => {
            let e = DriverError::TimedOut("the whole delivery".into());
            (State::Failed, failed(&e, challenge, &seen, &differences), Report::default())
        }
    };
    report.timeline = seen;
    let json = serde_json::to_string(&report).unwrap_or_else(|_| "{}".to_owned());
    let end = Finish {
        state,
        outcome: verdict.outcome,
        reason: &verdict.reason,
        solved: verdict.solved,
        report: &json,
    };
    if let Err(e) = store::finish(&desk.pool, run, &end).await {
        tracing::error!("delivery {run}: cannot keep its result: {e}");
    }
    forget_old_screenshots(desk).await;
}

fn failed(
    e: &DriverError,
    challenge: &Challenge,
    seen: &[Seen],
    differences: &Differences,
) -> verdict::Verdict {
    let reason = match e {
        DriverError::TimedOut(what) => format!(
            "The delivery was stopped: {what}. Once her browser is up, a delivery may take at most {} s, whatever \
             the page does; the victim's browser was stopped and its profile removed.",
            LIMIT.as_secs()
        ),
        other => format!("The victim's browser failed: {other}. It was stopped and its profile removed."),
    };
    let judged = verdict::judge(challenge, &Acted::Clicked, seen, differences);
    if judged.outcome == "moved" {
        return verdict::Verdict { reason: format!("{} {reason}", judged.reason), ..judged };
    }
    verdict::Verdict { outcome: "error", reason, solved: false }
}

/// Removes the throwaway profile however the delivery ends.
struct Throwaway(PathBuf);

impl Drop for Throwaway {
    fn drop(&mut self) {
        if self.0.exists()
            && let Err(e) = std::fs::remove_dir_all(&self.0)
        {
            tracing::warn!("cannot remove the victim's profile {}: {e}", self.0.display());
        }
    }
}

/// The victim's part, in a blocking thread: what she did, and the record so far.
fn browse(desk: &Desk, job: &Job) -> (Result<Acted, DriverError>, Report) {
    let started = Instant::now();
    let mut report = Report::default();
    let result = browse_into(desk, job, started, &mut report);
    report.duration_ms = started.elapsed().as_millis() as u64;
    (result, report)
}

fn browse_into(desk: &Desk, job: &Job, started: Instant, report: &mut Report) -> Result<Acted, DriverError> {
    let bank = &desk.bank;
    let shots = desk.run_dir(job.run);
    std::fs::create_dir_all(&shots).map_err(|e| DriverError::Start(format!("{}: {e}", shots.display())))?;
    let dir = Throwaway(desk.victim_dir(job.run));
    let recipe = Recipe::for_user(job.engine, super::challenges::VICTIM);
    profile::build(&recipe, &bank.settings.paths.certs, &bank.sites, &dir.0).map_err(DriverError::Start)?;
    let tag = format!("{}{}", super::timeline::TAG, job.run);
    let user_agent = user_agent::for_binary(job.engine, &job.binary, &tag);
    let launch = Launch {
        engine: job.engine,
        binary: &job.binary,
        profile: &dir.0,
        user_agent: &user_agent,
        width: WIDTH,
        height: HEIGHT,
    };
    let mut driver = Driver::start(&launch, LIMIT)?;
    report.steps.push(format!(
        "{:>6.1} s  her browser ({}) is up",
        started.elapsed().as_secs_f64(),
        job.engine.as_str()
    ));
    let result = act(desk, job, &mut driver, started, report, &shots);
    driver.close();
    result
}

fn act(
    desk: &Desk,
    job: &Job,
    driver: &mut Driver,
    started: Instant,
    report: &mut Report,
    shots: &std::path::Path,
) -> Result<Acted, DriverError> {
    let window =
        driver.windows()?.into_iter().next().ok_or_else(|| DriverError::Crashed("no window".into()))?.id;
    let url = format!(
        "{}/exploit/{}?version={}",
        desk.bank.sites.cross_site.as_str(),
        job.challenge.id,
        job.exploit_id
    );
    if !open(driver, &window, &url)? {
        report.steps.push(format!(
            "{:>6.1} s  her page was still loading after {} s; she goes on anyway",
            started.elapsed().as_secs_f64(),
            LOADING.as_secs()
        ));
    }
    let delay = desk.bank.protections.now().protections.gesture_delay_ms;
    let reading = Duration::from_millis(u64::from(delay) + 500);
    let mut person = Person {
        driver,
        report,
        dir: shots,
        started,
        reading,
        pointer: Point { x: f64::from(WIDTH) / 2.0, y: f64::from(HEIGHT) - 40.0 },
    };
    person.shot(&window, "Her page, as it loaded".to_owned(), false)?;
    let acted = person.act(&window, job.challenge.victim)?;
    if acted == Acted::Clicked {
        settle(desk, job.run);
        let front = person.driver.windows()?.pop().map(|w| w.id).unwrap_or(window);
        person.shot(&front, "After her last click".to_owned(), false)?;
        person.shot(&front, "After her last click, every frame made visible".to_owned(), true)?;
    }
    Ok(acted)
}

/// Opens `url` in `window`; false when it was still loading after [`LOADING`].
fn open(
    driver: &mut Driver,
    window: &crate::victim::driver::WindowId,
    url: &str,
) -> Result<bool, DriverError> {
    let go = format!("location.href = {}; true", serde_json::Value::String(url.to_owned()));
    driver.evaluate(window, &go)?;
    let until = Instant::now() + LOADING;
    let done = "location.href !== 'about:blank' && document.readyState === 'complete'";
    while Instant::now() < until {
        // While the old page goes and the new one comes, the window may not answer: not yet. A
        // page that never answers (a script that never returns) ends the delivery.
        match driver.evaluate(window, done) {
            Ok(v) if v.as_bool() == Some(true) => return Ok(true),
            Err(DriverError::TimedOut(_)) => {
                return Err(DriverError::TimedOut(
                    "her page stopped answering (a script that never returns?)".into(),
                ));
            }
            Err(e @ (DriverError::Crashed(_) | DriverError::WindowGone(_))) => return Err(e),
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(false)
}

/// Waits for the bank to answer her last click: a transfer request seen, then a moment more.
fn settle(desk: &Desk, run: Uuid) {
    let until = Instant::now() + SETTLE;
    let mut posted_at = None;
    while Instant::now() < until {
        let seen = desk.lab.timelines.so_far(run);
        if posted_at.is_none() && seen.iter().any(|s| s.method == "POST" && s.path.starts_with("/transfer")) {
            posted_at = Some(Instant::now());
        }
        if posted_at.is_some_and(|at| at.elapsed() > Duration::from_millis(600)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Screenshots of deliveries beyond the newest [`store::RUNS_KEPT`] go (their reports stay).
async fn forget_old_screenshots(desk: &Desk) {
    let Ok(old) = store::expired_runs(&desk.pool).await else { return };
    for run in old {
        let dir = desk.run_dir(run);
        if dir.exists() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
