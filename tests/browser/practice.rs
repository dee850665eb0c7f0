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
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
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
    (finished(app, &replay).await, replay)
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
    let _turn = places(1).await;
    let bank = app.sites.bank.to_string();
    for id in challenges {
        let challenge = Challenge::find(id).unwrap();
        apply(&app, challenge).await;
        let (before, _) = (app.balances().await["alice"], ());
        let (run, replay) = deliver(&app, id, &exploits::correct(id, &bank), engine).await;
        if std::env::var("DUMP_SHOTS").is_ok() {
            for (i, shot) in run["screenshots"].as_array().unwrap().iter().enumerate() {
                let url = format!("{}{}", app.sites.cross_site, shot.as_str().unwrap());
                let bytes = trainee().get(url).send().await.unwrap().bytes().await.unwrap();
                std::fs::write(format!("/tmp/shot-{id}-{}-{i}.png", engine.as_str()), bytes).unwrap();
            }
        }
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
    }
    let lab = app.client_as("alice").get(app.url("/lab")).send().await.unwrap().text().await.unwrap();
    for id in challenges {
        let row = lab.split(&format!("id=\"challenge-{id}\"")).nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(row.contains("solved"), "/lab shows {id} solved: {row}");
    }
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
