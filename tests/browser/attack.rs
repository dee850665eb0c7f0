//! What a victim does on the attacker's pages, and how a test tells whether the attack landed.

use std::path::PathBuf;
use std::time::Duration;

use clickjack_lab::lab::expect::expect;
use clickjack_lab::lab::matrix::{self, Measured};
use clickjack_lab::lab::scenarios::{SCENARIOS, Scenario};
use clickjack_lab::lab::{Browser, Delivery, Engine, Outcome, Victim};

use crate::chromium::Profile;
use crate::common::TestApp;
use crate::engine::{Session, Tab};
use crate::frames::FrameView;

/// Where a test's screenshot goes: `docs/img/` when `LAB_DOCS=1` (the README's pictures come from
/// these runs, Chromium's JPEGs), else the build's scratch folder (Firefox's PNGs always: WebDriver
/// only gives PNG, and the pictures would show the same attack twice).
pub fn shot_path(name: &str, engine: Engine) -> PathBuf {
    let dir = if documenting() && engine == Engine::Chromium {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/img")
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-shots")
    };
    dir.join(shot_file(name, engine))
}

/// A screenshot's file name: `name.jpg` from Chromium, `name-firefox.png` from Firefox.
pub fn shot_file(name: &str, engine: Engine) -> String {
    match engine {
        Engine::Chromium => format!("{name}.jpg"),
        Engine::Firefox => format!("{name}-firefox.png"),
    }
}

/// The outcome `lab::expect` predicts for this app, scenario, victim and browser.
pub fn expected(app: &TestApp, scenario: &str, victim: Victim, browser: Browser) -> Outcome {
    let scenario = Scenario::find(scenario).expect("a known scenario");
    expected_for(app, scenario.delivery, victim, browser)
}

/// The same, for a delivery of the test's own (a variant of a scenario's page).
pub fn expected_for(app: &TestApp, delivery: Delivery, victim: Victim, browser: Browser) -> Outcome {
    expect(delivery, victim, &app.settings, &app.sites, browser)
}

/// Whether the victim's money moved to mallory: waits for it when `expect_move`, else gives a
/// request that should not come two seconds to arrive anyway.
pub async fn money_moved(app: &TestApp, expect_move: bool) -> bool {
    let moved = async || app.balances().await["mallory"] != 1_000;
    if expect_move {
        let start = tokio::time::Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if moved().await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    } else {
        tokio::time::sleep(Duration::from_secs(2)).await;
        moved().await
    }
}

/// Notes which attack (by its page's URL) a test is running, for the record of measurements.
pub fn note_attack(app: &TestApp, browser: &Session, url: &str, shot: &str) {
    let path = url.split("://").nth(1).and_then(|rest| rest.find('/').map(|i| &rest[i..])).unwrap_or("");
    let path = path.split('?').next().unwrap_or(path);
    if let Some(scenario) = SCENARIOS.iter().find(|s| s.page == path) {
        *app.last_attack.lock().unwrap() = Some(crate::common::Attack {
            scenario: scenario.id.into(),
            screenshot: if browser.engine == Engine::Chromium {
                shot_file(shot, browser.engine)
            } else {
                String::new()
            },
            third_party_cookies: browser.third_party_cookies,
            engine: browser.engine.as_str(),
        });
    }
}

/// Asserts the measured outcome is the predicted one. With `LAB_DOCS=1`, the measurement is
/// appended to `docs/measured.tsv`, from which the README's matrix is generated.
pub async fn assert_outcome(app: &TestApp, predicted: &Outcome) {
    let moved = money_moved(app, predicted.succeeds()).await;
    assert_eq!(
        moved,
        predicted.succeeds(),
        "the lab predicted {predicted:?}, but the money {} (balances {:?})",
        if moved { "moved" } else { "did not move" },
        app.balances().await
    );
    let last = app.last_attack.lock().unwrap().clone();
    if let (true, Some(attack)) = (documenting(), last) {
        // A port the test chose (to name the attacker in an allowlist) would change every run.
        let port = app.sites.cross_site.as_str().rsplit(':').next().unwrap_or_default().to_owned();
        let named: Vec<(String, String)> = app
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), if port.len() > 1 { v.replace(&port, "<port>") } else { v.clone() }))
            .collect();
        let vars: Vec<(&str, &str)> = named.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let engine = Engine::ALL.into_iter().find(|e| e.as_str() == attack.engine).expect("an engine");
        let line = Measured {
            scenario: attack.scenario,
            vars: matrix::key(&vars),
            engine,
            third_party_cookies: attack.third_party_cookies,
            moved,
            screenshot: attack.screenshot,
        }
        .to_line();
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/measured.tsv");
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
        std::io::Write::write_all(&mut file, format!("{line}\n").as_bytes()).unwrap();
    }
}

/// `LAB_DOCS=1`: this run writes the documentation's screenshots and measurements.
fn documenting() -> bool {
    std::env::var("LAB_DOCS").is_ok_and(|v| v == "1")
}

/// Waits until the attack page's frame has rendered something from the bank (or the browser's
/// refusal), and returns what it shows.
pub async fn framed_page(browser: &Session, app: &TestApp, tab: &Tab) -> FrameView {
    let mut rendered = None;
    crate::engine::wait_for("the framed bank page to render", Duration::from_secs(20), async || {
        rendered = browser.iframes(tab).await.into_iter().find(|f| {
            f.ready == "complete" && (f.is_error_page() || f.href.starts_with(app.sites.bank.as_str()))
        });
        rendered.is_some()
    })
    .await;
    rendered.expect("waited for it")
}

/// Reads, points and clicks the decoy `selector`, with two positive controls that the click goes
/// into the frame: before it, the page the bank rendered in the frame has elements under the
/// pointer (`:hover`); after it, the decoy underneath saw no click. (A WebDriver pointer in
/// Firefox without `remote.events.async.mouse.enabled` stops at the `<iframe>` element: the
/// framed page then has nothing under the pointer, measured, and an attack would look "blocked"
/// for the wrong reason.)
///
/// `bank_in_frame`: the frame showed a page of the bank (not the browser's refusal), so the
/// control must find it under the pointer.
pub async fn click_decoy(browser: &Session, app: &TestApp, tab: &Tab, selector: &str, bank_in_frame: bool) {
    let decoy = browser.centre_of(tab, selector).await;
    browser.read_then_point(tab, decoy).await;
    if bank_in_frame {
        let frames = browser.iframes(tab).await;
        let rendered: Vec<&FrameView> =
            frames.iter().filter(|f| f.href.starts_with(app.sites.bank.as_str())).collect();
        assert!(
            rendered.iter().any(|f| f.hovered > 0),
            "the pointer does not reach inside the framed bank page: {frames:?}"
        );
    }
    browser.click_at(tab, decoy).await;
    let js = format!("document.querySelector({selector:?}).getAttribute('data-clicks')");
    let decoy_clicks = browser.eval(tab, &js).await;
    assert!(decoy_clicks.is_null(), "the click reached {selector}, not the frame over it ({decoy_clicks})");
}

/// Ticks the page's Reveal switch and saves a screenshot.
pub async fn reveal_and_shoot(browser: &Session, tab: &Tab, name: &str) {
    browser
        .eval(tab, "document.getElementById('reveal') ? (document.getElementById('reveal').click(), 1) : 0")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    browser.screenshot(tab, &shot_path(name, browser.engine)).await;
}

/// The overlay attacks (basic, multistep, frame busters, misconfigurations, same-site, cookie
/// session): opens `url`, waits for the frame, clicks each decoy in turn. Returns what the frame
/// showed before the first click.
pub async fn overlay_attack(
    browser: &Session,
    app: &TestApp,
    url: &str,
    decoys: &[&str],
    shot: &str,
) -> FrameView {
    note_attack(app, browser, url, shot);
    let tab = browser.open(url).await;
    let first = framed_page(browser, app, &tab).await;
    for (i, decoy) in decoys.iter().enumerate() {
        if i > 0 && first.text.contains("Confirm transfer") {
            // The next step: wait for the frame to show it (if the first click got through).
            let next = async || browser.iframes(&tab).await.iter().any(|f| f.text.contains("Are you sure?"));
            let start = tokio::time::Instant::now();
            while start.elapsed() < Duration::from_secs(5) && !next().await {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        click_decoy(browser, app, &tab, decoy, first.href.starts_with(app.sites.bank.as_str())).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    reveal_and_shoot(browser, &tab, shot).await;
    first
}

/// Alice (certificate) in `engine` on an overlay attack page at `url`.
pub async fn overlay_as_alice(
    app: &TestApp,
    engine: Engine,
    url: &str,
    decoys: &[&str],
    shot: &str,
) -> (FrameView, Browser) {
    overlay_as(app, engine, Profile::with_certificate("alice"), url, decoys, shot).await
}

/// Alice in a fresh `engine` browser with `profile` on an overlay attack page at `url`; signed in
/// by password first when the profile holds no certificate.
pub async fn overlay_as(
    app: &TestApp,
    engine: Engine,
    profile: Profile<'_>,
    url: &str,
    decoys: &[&str],
    shot: &str,
) -> (FrameView, Browser) {
    let browser = Session::launch(app, engine, profile).await;
    if profile.user.is_none() {
        sign_in_by_password(&browser, app).await;
    }
    let frame = overlay_attack(&browser, app, url, decoys, shot).await;
    let lab_browser = browser.lab_browser();
    browser.close().await;
    (frame, lab_browser)
}

/// Signs alice in by password in a bank tab (setup a person would do; not part of any attack).
pub async fn sign_in_by_password(browser: &Session, app: &TestApp) {
    let tab = browser.open(&app.url("/login")).await;
    browser
        .eval(
            &tab,
            "(document.querySelector('input[name=username]').value = 'alice', \
             document.querySelector('input[name=password]').value = 'alice-pass', \
             document.getElementById('sign-in').click(), 1)",
        )
        .await;
    crate::engine::wait_for("alice's dashboard", Duration::from_secs(15), async || {
        browser.try_eval(&tab, "document.getElementById('balance') ? 'yes' : 'no'").await
            == Some("yes".into())
    })
    .await;
}
