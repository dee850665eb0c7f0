//! What a victim does on the attacker's pages, and how a test tells whether the attack landed.

use std::path::PathBuf;
use std::time::Duration;

use clickjack_lab::lab::expect::expect;
use clickjack_lab::lab::matrix::{self, Measured};
use clickjack_lab::lab::scenarios::{SCENARIOS, Scenario};
use clickjack_lab::lab::{Browser, Delivery, Engine, Outcome, Victim};

use crate::common::{TestApp, spawn_app_timed, until};
use crate::engine::{Session, Tab};
use crate::frames::FrameView;
use crate::profile::Profile;

/// The timing rules of a browser test's lab: a long popup window, so that a DoubleClickjacking
/// confirmation earns its badge however slow a loaded machine makes the second click (the badge
/// depends on it; no outcome does). The gesture guard keeps its default delay: every outcome a
/// browser test measures is measured at the delay the lab ships with.
pub const TIMING: &[(&str, &str)] = &[("LAB_POPUP_WINDOW_MS", "20000")];

/// How long a confirmation that no click could have sent is given to show itself anyway, before a
/// test that expects none says there was none.
const GRACE: Duration = Duration::from_millis(500);

/// How long a request the bank is expected to answer may take, at the most.
const ANSWER: Duration = Duration::from_secs(10);

/// The lab for a browser test: `vars`, with the browser tests' [`TIMING`] (unless `vars` sets it).
pub async fn lab(vars: &[(&str, &str)]) -> TestApp {
    spawn_app_timed(vars, TIMING).await
}

/// Where a test's screenshot goes: `docs/img/` when `CLICKJACK_DOCS=1` (the README's pictures come from
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

/// How many confirmations (`POST /transfer`) the bank has answered: each is in the audit log,
/// written before its answer leaves.
async fn answered(app: &TestApp) -> usize {
    let sql = "SELECT COUNT(*) FROM audit_events WHERE method = 'POST' AND path = '/transfer'";
    usize::try_from(app.count(sql).await).unwrap_or_default()
}

/// Waits until the bank has answered every confirmation the victim's clicks could send (see
/// [`crate::common::Attack::confirmations`]): none when no click met an enabled, shown confirm
/// button, so nothing is left to wait for.
pub async fn settled(app: &TestApp) {
    let sent = app.last_attack.lock().unwrap().as_ref().map_or(0, |a| a.confirmations);
    until("the bank's answer to each confirmation the victim sent", ANSWER, async || {
        answered(app).await >= sent
    })
    .await;
}

/// Whether the victim's money moved to mallory: waits for it when `expect_move`; else waits for
/// the bank's answer to every confirmation the attack sent ([`settled`]), then looks. When no
/// click could send one, none may come: a [`GRACE`] to show itself, then none must have.
pub async fn money_moved(app: &TestApp, expect_move: bool) -> bool {
    let moved = async || app.balances().await["mallory"] != 1_000;
    if expect_move {
        let start = tokio::time::Instant::now();
        while start.elapsed() < ANSWER {
            if moved().await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        return false;
    }
    settled(app).await;
    let sent = app.last_attack.lock().unwrap().as_ref().map_or(0, |a| a.confirmations);
    if sent == 0 {
        tokio::time::sleep(GRACE).await;
        assert_eq!(
            answered(app).await,
            0,
            "a confirmation reached the bank though no click met a confirm button"
        );
    }
    moved().await
}

/// Notes that a click of the victim could send a confirmation (it met an enabled confirm button).
pub fn note_confirmation(app: &TestApp) {
    if let Some(attack) = app.last_attack.lock().unwrap().as_mut() {
        attack.confirmations += 1;
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
            confirmations: 0,
            narrated: None,
        });
    }
}

/// Asserts the measured outcome is the predicted one. With `CLICKJACK_DOCS=1`, the measurement is
/// appended to `docs/measured.tsv`, from which the README's matrix is generated.
pub async fn assert_outcome(app: &TestApp, predicted: &Outcome) {
    let moved = money_moved(app, predicted.succeeds()).await;
    if moved != predicted.succeeds() {
        let seen: Vec<(String, String, String, String)> =
            app.fetch_all("SELECT method, path, decision, reason FROM audit_events ORDER BY id").await;
        panic!(
            "the lab predicted {predicted:?}, but the money {} (balances {:?}); the bank saw {seen:#?}",
            if moved { "moved" } else { "did not move" },
            app.balances().await
        );
    }
    let last = app.last_attack.lock().unwrap().clone();
    if let Some(narrated) = last.as_ref().and_then(|a| a.narrated.as_deref()) {
        // The attack page told the trainee what happened, and never "landed" when nothing moved.
        assert_eq!(narrated == "landed", moved, "the attack page's narrator said {narrated:?}");
    }
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

/// `CLICKJACK_DOCS=1`: this run writes the documentation's screenshots and measurements.
pub fn documenting() -> bool {
    std::env::var("CLICKJACK_DOCS").is_ok_and(|v| v == "1")
}

/// Waits until the attack page's frame has rendered something from the bank (or the browser's
/// refusal), and returns what it shows.
pub async fn framed_page(browser: &Session, app: &TestApp, tab: &Tab) -> FrameView {
    let mut rendered = None;
    crate::common::until("the framed bank page to render", Duration::from_secs(20), async || {
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
/// Firefox 140.10 without the driven prefs, `firefox_driven_user_js`, stops at the `<iframe>`
/// element: the framed page then has nothing under the pointer, measured, and an attack would
/// look "blocked" for the wrong reason.) Returns whether the click met an enabled, shown confirm button in the
/// frame, and so sent a confirmation.
///
/// `bank_in_frame`: the frame showed a page of the bank (not the browser's refusal), so the
/// control must find it under the pointer.
pub async fn click_decoy(
    browser: &Session,
    app: &TestApp,
    tab: &Tab,
    selector: &str,
    bank_in_frame: bool,
) -> bool {
    let decoy = browser.centre_of(tab, selector).await;
    browser.read_then_point(tab, decoy).await;
    let frames = browser.iframes(tab).await;
    let rendered: Vec<&FrameView> =
        frames.iter().filter(|f| f.href.starts_with(app.sites.bank.as_str())).collect();
    if bank_in_frame {
        assert!(
            rendered.iter().any(|f| f.hovered > 0),
            "the pointer does not reach inside the framed bank page: {frames:?}"
        );
    }
    let confirms = rendered.iter().any(|f| f.confirmable);
    browser.click_at(tab, decoy).await;
    if confirms {
        note_confirmation(app);
    }
    let js = format!("document.querySelector({selector:?}).getAttribute('data-clicks')");
    let decoy_clicks = browser.eval(tab, &js).await;
    assert!(decoy_clicks.is_null(), "the click reached {selector}, not the frame over it ({decoy_clicks})");
    confirms
}

/// Ticks the page's Reveal switch, for the picture (for the docs, once what it reveals has been
/// painted; otherwise at once, for whoever reads a failure).
pub async fn reveal(browser: &Session, tab: &Tab) {
    browser
        .eval(tab, "document.getElementById('reveal') ? (document.getElementById('reveal').click(), 1) : 0")
        .await;
    if documenting() {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The overlay attacks (basic, multistep, frame busters, misconfigurations, same-site, cookie
/// session): opens `url`, waits for the frame, clicks each decoy in turn, waits for the bank's
/// answers, reveals. Returns what the frame showed before the first click, and the tab.
pub async fn overlay_attack(
    browser: &Session,
    app: &TestApp,
    url: &str,
    decoys: &[&str],
    shot: &str,
) -> (FrameView, Tab) {
    note_attack(app, browser, url, shot);
    let tab = browser.open(url).await;
    let first = framed_page(browser, app, &tab).await;
    let bank_in_frame = first.href.starts_with(app.sites.bank.as_str());
    let mut confirmed = false;
    for (i, decoy) in decoys.iter().enumerate() {
        if i > 0 && confirmed {
            // The next step: the bank answered the first confirmation; wait for the frame to show it.
            settled(app).await;
            let next = async || browser.iframes(&tab).await.iter().any(|f| f.text.contains("Are you sure?"));
            until("the frame to show the \"Are you sure?\" step", ANSWER, next).await;
        }
        confirmed = click_decoy(browser, app, &tab, decoy, bank_in_frame).await;
    }
    settled(app).await;
    let narrated = narration(browser, &tab, confirmed).await;
    if let Some(attack) = app.last_attack.lock().unwrap().as_mut() {
        attack.narrated = narrated;
    }
    if documenting() && confirmed {
        // The picture shows the frame's answer, once the browser has it.
        let answered = async || browser.iframes(&tab).await.iter().all(|f| !f.confirmable);
        let _ = tokio::time::timeout(ANSWER, until("the frame's answer", ANSWER, answered)).await;
    }
    reveal(browser, &tab).await;
    (first, tab)
}

/// What the attack page's narrator says (its `data-outcome`): after a confirmation was sent, once
/// it has told the bank's answer.
async fn narration(browser: &Session, tab: &Tab, confirmed: bool) -> Option<String> {
    let js = "document.getElementById('narrator') ? document.getElementById('narrator').getAttribute('data-outcome') : null";
    if confirmed {
        until("the attack page to tell what the bank did", ANSWER, async || {
            browser.try_eval(tab, js).await.is_some_and(|v| v.as_str().is_some_and(|s| s != "waiting"))
        })
        .await;
    }
    browser.try_eval(tab, js).await.and_then(|v| v.as_str().map(str::to_owned))
}

/// What a run of an attack left: the lab (to look into), what the frame showed before the first
/// click, and the outcome the lab predicted (and the run measured).
pub struct Run {
    pub app: TestApp,
    pub frame: FrameView,
    pub predicted: Outcome,
}

/// Alice, signed in by certificate, on `scenario`'s own attack page against a lab with `vars`: the
/// decoys clicked, and the outcome measured against the lab's prediction for this engine.
pub async fn run(engine: Engine, scenario: &str, vars: &[(&str, &str)], decoys: &[&str], shot: &str) -> Run {
    let app = lab(vars).await;
    let page = Scenario::find(scenario).expect("a known scenario");
    let origin = if page.same_site() { &app.sites.same_site } else { &app.sites.cross_site };
    let url = format!("{origin}{}", page.page);
    let (frame, browser) = overlay_as_alice(&app, engine, &url, decoys, shot).await;
    let predicted = expected(&app, scenario, Victim::Certificate, browser);
    assert_outcome(&app, &predicted).await;
    Run { app, frame, predicted }
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
    let (frame, tab) = overlay_attack(&browser, app, url, decoys, shot).await;
    let engine = browser.engine;
    (frame, browser.finish(&tab, &shot_path(shot, engine)).await)
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
    crate::common::until("alice's dashboard", Duration::from_secs(15), async || {
        browser.try_eval(&tab, "document.getElementById('balance') ? 'yes' : 'no'").await
            == Some("yes".into())
    })
    .await;
}
