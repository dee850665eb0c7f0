//! Practice mode end to end, through the exploit server's own HTTP interface as a trainee uses it:
//! apply a challenge's protections on the bank's panel, store an exploit, deliver it, and read the
//! replay. The victim is the lab's: a real headless browser the lab starts, with alice's
//! certificate, that finds "Click me" on screen and clicks like a person. Correct exploits solve
//! every challenge in both engines; wrong ones fail with the reason the replay names.

use std::time::Duration;

use clickjack_lab::practice::challenges::Challenge;
use serde_json::Value;

use crate::common::{TestApp, spawn_app_timed};
use crate::engine::{Engine, places};
use crate::exploits;
use crate::in_both_engines;

/// The victim reads each page for the gesture guard's delay and a little more: the shortest the
/// lab allows keeps these tests quick, and changes no outcome (the guard counts from its delay).
const QUICK: &[(&str, &str)] = &[("LAB_GESTURE_DELAY_MS", "500")];

async fn practice_lab(vars: &[(&str, &str)]) -> TestApp {
    spawn_app_timed(vars, QUICK).await
}

fn trainee() -> reqwest::Client {
    crate::common::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn encode(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
}

/// Puts `challenge`'s protections in force, as its "Apply this challenge's protections" link
/// does: the bank's panel, preset with them, posted by alice.
pub async fn apply(app: &TestApp, challenge: &Challenge) {
    let alice = app.client_as("alice");
    let panel =
        alice.get(app.url(&format!("/lab/protections?challenge={}", challenge.id))).send().await.unwrap();
    let page = panel.text().await.unwrap();
    let token = crate::common::form_value(&page, "csrf_token").expect("the panel's token");
    let mut fields: Vec<(&str, &str)> = challenge.protections.to_vec();
    fields.push(("csrf_token", &token));
    let response = alice
        .post(app.url("/lab/protections"))
        .header("Origin", app.sites.bank.as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode(&fields))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "the panel applied {}'s protections", challenge.id);
}

/// Stores `body` for `challenge`, delivers it to the victim in `engine`, and waits for the
/// delivery's end: its replay's JSON, and the replay page's address.
pub async fn deliver(app: &TestApp, challenge: &str, body: &str, engine: Engine) -> (Value, String) {
    let replay = queue(app, challenge, body, engine).await;
    (finished(app, &replay).await, replay)
}

/// Stores `body` and asks for its delivery (`POST /exploit`, action `deliver`): the replay's address.
async fn queue(app: &TestApp, challenge: &str, body: &str, engine: Engine) -> String {
    let fields =
        [("challenge", challenge), ("body", body), ("engine", engine.as_str()), ("action", "deliver")];
    let response = trainee()
        .post(format!("{}/exploit", app.sites.cross_site))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode(&fields))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap_or_default());
    let replay = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(replay.starts_with("/exploit/runs/"), "{replay}");
    replay
}

/// The replay's JSON once its delivery ended (a delivery is bounded at about 20 s).
pub async fn finished(app: &TestApp, replay: &str) -> Value {
    let url = format!("{}{replay}.json", app.sites.cross_site);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let json: Value = trainee().get(&url).send().await.unwrap().json().await.unwrap();
        if json["state"] == "done" || json["state"] == "failed" {
            return json;
        }
        assert!(std::time::Instant::now() < deadline, "the delivery never ended: {json:#}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The replay's first screenshot is a PNG the exploit server serves.
async fn assert_screenshots(app: &TestApp, run: &Value) {
    let shots = run["screenshots"].as_array().expect("screenshots");
    assert!(shots.len() >= 3, "screenshots at the moments that matter: {run:#}");
    let first = trainee()
        .get(format!("{}{}", app.sites.cross_site, shots[0].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(first.headers()["content-type"], "image/png");
    assert!(first.bytes().await.unwrap().starts_with(b"\x89PNG"), "a PNG");
}

/// Each click lies within `slack` px of the button it was meant for.
fn assert_clicks_on(run: &Value, targets: &[(f64, f64)], slack: f64) {
    let clicks = run["clicks"].as_array().expect("clicks");
    assert!(clicks.len() >= targets.len(), "{} clicks expected: {run:#}", targets.len());
    for (click, (x, y)) in clicks.iter().zip(targets) {
        let (cx, cy) = (click["x"].as_f64().unwrap(), click["y"].as_f64().unwrap());
        assert!(
            (cx - x).abs() <= slack && (cy - y).abs() <= slack,
            "click at ({cx}, {cy}), button at ({x}, {y})"
        );
    }
}

/// Delivers the correct exploit of each of `challenges` under its own protections: each solved.
async fn solve_each(engine: Engine, challenges: &[&str]) {
    let app = practice_lab(&[]).await;
    let turn = places(1).await;
    let bank = app.sites.bank.to_string();
    let mut first_replay: Option<String> = None;
    for id in challenges {
        let challenge = Challenge::find(id).unwrap();
        apply(&app, challenge).await;
        let (before, _) = (app.balances().await["alice"], ());
        let (run, replay) = deliver(&app, id, &exploits::correct(id, &bank), engine).await;
        assert_eq!(run["state"], "done", "{id}: {run:#}");
        assert_eq!(run["outcome"], "moved", "{id}: {run:#}");
        assert_eq!(run["solved"], true, "{id}: {run:#}");
        let moved = clickjack_lab::money::Money::parse(challenge.amount).unwrap().cents();
        assert_eq!(
            app.balances().await["alice"],
            before - moved,
            "{id}: exactly the goal left alice's account"
        );
        assert_screenshots(&app, &run).await;
        match *id {
            "multistep" => assert_clicks_on(&run, &[exploits::CONFIRM, exploits::YES], 20.0),
            "doubleclick" => {
                assert_clicks_on(&run, &[exploits::TOP_LEVEL_CONFIRM, exploits::TOP_LEVEL_CONFIRM], 30.0)
            }
            "csrf" => {}
            _ => assert_clicks_on(&run, &[exploits::CONFIRM], 30.0),
        }
        let page = trainee()
            .get(format!("{}{replay}", app.sites.cross_site))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Solved") && page.contains("What the bank saw"),
            "{id}: the replay page says so"
        );
        first_replay.get_or_insert(replay);
    }
    let lab = app.client_as("alice").get(app.url("/lab")).send().await.unwrap().text().await.unwrap();
    for id in challenges {
        let row = lab.split(&format!("id=\"challenge-{id}\"")).nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(row.contains("solved"), "/lab shows {id} solved: {row}");
    }
    drop(turn);
    if let (true, Engine::Chromium, Some(replay)) = (crate::attack::documenting(), engine, first_replay) {
        picture_of_replay(&app, &replay, &format!("replay-{}", challenges[0])).await;
    }
}

/// The README's picture of a replay: its revealed view, the click drawn on the bank's button.
async fn picture_of_replay(app: &TestApp, replay: &str, name: &str) {
    let browser =
        crate::engine::Session::launch(app, Engine::Chromium, crate::profile::Profile::default()).await;
    let tab = browser.open(&format!("{}{replay}", app.sites.cross_site)).await;
    let loaded =
        "Array.from(document.images).every(function (i) { return i.complete && i.naturalWidth > 0; })";
    crate::common::until("the replay's screenshots to load", Duration::from_secs(10), async || {
        browser.try_eval(&tab, loaded).await == Some(Value::Bool(true))
    })
    .await;
    // The picture's top of the page: the outcome, and the moment of the click with every frame visible.
    let frame_it = "var shots = document.querySelectorAll('figure.shot'); \
        shots.forEach(function (f, i) { if (i !== 2) f.hidden = true; }); \
        document.querySelectorAll('main > section').forEach(function (s, i) { if (i > 1) s.hidden = true; }); \
        document.querySelectorAll('main > section p, main > section h2').forEach(function (p) { \
          if (!p.matches('[role=status]')) p.hidden = true; }); \
        shots[2].style.width = '560px'; true";
    browser.eval(&tab, frame_it).await;
    browser.screenshot(&tab, &crate::attack::shot_path(name, Engine::Chromium)).await;
    browser.close().await;
}

in_both_engines! {
    async fn a_correct_exploit_solves_each_framed_challenge_under_its_protections(engine: Engine) {
        solve_each(engine, &["basic", "prefilled", "framebuster", "misconfig", "multistep"]).await;
    }

    async fn a_correct_exploit_solves_the_challenges_without_a_frame(engine: Engine) {
        solve_each(engine, &["doubleclick", "csrf"]).await;
    }

    async fn wrong_exploits_fail_with_the_reason_the_replay_names(engine: Engine) {
        let app = practice_lab(&[]).await;
        let _turn = places(1).await;
        let bank = app.sites.bank.to_string();
        // Under the defaults, the right page: the bank's Fetch Metadata refuses the frame.
        let (run, _) = deliver(&app, "basic", &exploits::correct("basic", &bank), engine).await;
        assert_eq!(run["outcome"], "unchanged", "{run:#}");
        assert!(run["reason"].as_str().unwrap().contains("LAB_FETCH_METADATA"), "{run:#}");
        apply(&app, Challenge::find("basic").unwrap()).await;
        let cases = [
            (exploits::misaligned(&bank), "landed beside the bank's button"),
            (exploits::no_decoy(&bank), "found nothing to click"),
            (exploits::wrong_prefill(&bank), "Recipient: enter a username"),
        ];
        for (body, says) in cases {
            let (run, _) = deliver(&app, "basic", &body, engine).await;
            assert_eq!(run["outcome"], "unchanged", "{run:#}");
            assert!(run["reason"].as_str().unwrap().contains(says), "{says:?}: {run:#}");
        }
        assert_eq!(app.balances().await["alice"], 100_000, "nothing moved");
    }
}

/// The processes of this lab's victims still running (their profiles live under its folder).
fn victims_running(app: &TestApp) -> Vec<String> {
    let marker = app.dir().join("practice/victims").display().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .filter(|line| line.contains(&marker))
        .collect()
}

/// After a delivery ends, nothing of its browser is left: no process, no profile.
async fn assert_cleaned_up(app: &TestApp) {
    crate::common::until("the victims' processes to be gone", Duration::from_secs(5), async || {
        victims_running(app).is_empty()
    })
    .await;
    let left = std::fs::read_dir(app.dir().join("practice/victims")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no profile is left behind");
}

const POPUP_FLOOD: &str = "<!doctype html><meta charset=\"utf-8\"><button style=\"margin:200px\" \
    onclick=\"for (var i = 0; i < 100; i++) window.open('about:blank', 'w' + i)\">Click me</button>\
    <script>for (var i = 0; i < 100; i++) window.open('about:blank');</script>";
const HUNG: &str = "<!doctype html><meta charset=\"utf-8\"><p>Click me</p><script>for (;;) {}</script>";

#[tokio::test]
async fn a_popup_flood_a_hung_page_and_two_deliveries_at_once_each_end_bounded_and_leave_nothing_behind() {
    if !crate::engine::available(Engine::Chromium) {
        return;
    }
    let app = practice_lab(&[]).await;
    let _turn = places(1).await;
    let (run, _) = deliver(&app, "basic", POPUP_FLOOD, Engine::Chromium).await;
    assert_eq!(run["state"], "done", "{run:#}");
    assert_eq!(run["outcome"], "unchanged", "{run:#}");
    assert_cleaned_up(&app).await;

    let (run, _) = deliver(&app, "basic", HUNG, Engine::Chromium).await;
    assert_eq!((run["state"].as_str(), run["outcome"].as_str()), (Some("failed"), Some("error")), "{run:#}");
    assert!(run["reason"].as_str().unwrap().contains("stopped answering"), "{run:#}");
    assert!(run["duration_ms"].as_u64().unwrap() < 20_000, "bounded: {run:#}");
    assert_cleaned_up(&app).await;

    // Two at once: the second waits its turn, and both end.
    let bank = app.sites.bank.to_string();
    apply(&app, Challenge::find("basic").unwrap()).await;
    let body = exploits::correct("basic", &bank);
    let client = trainee();
    let mut replays = Vec::new();
    for _ in 0..2 {
        replays.push(queue(&app, "basic", &body, Engine::Chromium).await);
    }
    let second: Value = client
        .get(format!("{}{}.json", app.sites.cross_site, replays[1]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["state"], "queued", "{second:#}");
    assert_eq!(second["ahead"], 1, "{second:#}");
    let (first, second) = (finished(&app, &replays[0]).await, finished(&app, &replays[1]).await);
    assert_eq!(
        (first["outcome"].as_str(), second["outcome"].as_str()),
        (Some("moved"), Some("moved")),
        "{second:#}"
    );
    assert_eq!(app.balances().await["alice"], 100_000 - 2 * 1_200, "each delivery moved its 12.00 once");
    assert_cleaned_up(&app).await;
}

#[tokio::test]
async fn a_browser_that_crashes_mid_delivery_is_a_recorded_failure_and_the_next_delivery_runs() {
    if !crate::engine::available(Engine::Chromium) {
        return;
    }
    let real =
        clickjack_lab::browser::finder::Finder::new(&Default::default()).find(Engine::Chromium).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let crashing = dir.path().join("chromium-that-crashes");
    // Starts the real browser and kills it two seconds in, as a crash would.
    let script = format!("#!/bin/sh\n(sleep 2; kill -9 $$) &\nexec {} \"$@\"\n", real.display());
    std::fs::write(&crashing, script).unwrap();
    std::fs::set_permissions(&crashing, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let app = practice_lab(&[("LAB_CHROMIUM", crashing.to_str().unwrap())]).await;
    let _turn = places(1).await;
    let bank = app.sites.bank.to_string();
    let (run, _) = deliver(&app, "basic", &exploits::correct("basic", &bank), Engine::Chromium).await;
    assert_eq!((run["state"].as_str(), run["outcome"].as_str()), (Some("failed"), Some("error")), "{run:#}");
    assert!(run["reason"].as_str().unwrap().contains("browser"), "{run:#}");
    assert_cleaned_up(&app).await;
    if crate::engine::available(Engine::Firefox) {
        let (run, _) = deliver(&app, "basic", &exploits::correct("basic", &bank), Engine::Firefox).await;
        assert_eq!(run["state"], "done", "the queue goes on: {run:#}");
        assert_cleaned_up(&app).await;
    }
}

#[tokio::test]
async fn a_page_that_never_finishes_loading_gets_a_victim_who_goes_on_after_a_bounded_wait() {
    if !crate::engine::available(Engine::Chromium) {
        return;
    }
    // A server that takes the connection and never answers: the image, and so the page, never load.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let app = practice_lab(&[]).await;
    let _turn = places(1).await;
    let body = format!(
        "<!doctype html><meta charset=\"utf-8\"><img src=\"http://127.0.0.1:{port}/slow.png\" alt=\"\">\
         <button style=\"margin:200px\">Click me</button>"
    );
    let (run, _) = deliver(&app, "basic", &body, Engine::Chromium).await;
    assert_eq!(run["state"], "done", "{run:#}");
    let steps = run["steps"].to_string();
    assert!(steps.contains("still loading after 8 s"), "{steps}");
    assert_eq!(run["clicks"].as_array().unwrap().len(), 1, "she clicked anyway: {run:#}");
    assert!(run["reason"].as_str().unwrap().contains("saw no request"), "{run:#}");
    drop(silent);
    assert_cleaned_up(&app).await;
}
