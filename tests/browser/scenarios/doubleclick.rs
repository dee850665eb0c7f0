//! DoubleClickjacking.

use std::time::Duration;

use clickjack_lab::lab::{Browser, Victim};

use crate::attack::{assert_outcome, expected, lab, note_attack, note_confirmation, settled, shot_path};
use crate::common::{TestApp, eventually, until};
use crate::engine::{Engine, Session};
use crate::in_both_engines;
use crate::profile::Profile;

/// Alice starts the "captcha", and double-clicks in the popup: the first click in the popup, the
/// second (as fast as a double-click) at the same point of the window underneath, which the
/// popup navigated to the bank in between.
/// Returns what the window underneath showed after the second click: the bank's confirm button's
/// `disabled` (None: the page had moved on, to the result). Chromium's second press is the second
/// half of a double-click (`click_count` 2); WebDriver can only send Firefox a single click there,
/// about as fast.
async fn double_click(app: &TestApp, engine: Engine, shot: &str) -> (Option<bool>, Browser) {
    let profile = Profile::with_certificate("alice");
    // With the guard on, the outcome is a race between its delay and the second click: measured
    // with the browser alone on the machine, as a victim's would be.
    let browser = if app.settings.protections.gesture_guard {
        Session::launch_alone(app, engine, profile).await
    } else {
        Session::launch(app, engine, profile).await
    };
    let url = format!("{}/doubleclick.html", app.sites.cross_site);
    note_attack(app, &browser, &url, shot);
    let page = browser.open(&url).await;
    let start = browser.centre_of(&page, "#start").await;
    browser.point_at(&page, start).await;
    browser.click_at(&page, start).await;

    let find =
        async || browser.tabs().await.into_iter().find(|(_, url)| url.ends_with("/doubleclick-popup.html"));
    let (popup, _) = eventually("the captcha popup", Duration::from_secs(10), find).await;
    until("the popup's script", Duration::from_secs(10), async || {
        browser.try_eval(&popup, "document.readyState").await == Some("complete".into())
    })
    .await;
    // The popup places its button as its window takes its final size: aim once it stays put.
    let mut last = None;
    let spot = eventually("the captcha button to stay put", Duration::from_secs(10), async || {
        let now = browser.centre_of(&popup, "#captcha").await;
        let still = last.is_some_and(|p: crate::engine::Point| p.x == now.x && p.y == now.y);
        last = Some(now);
        tokio::time::sleep(Duration::from_millis(100)).await;
        still.then_some(now)
    })
    .await;
    browser.point_at(&popup, spot).await;
    browser.double_click_through(&popup, &page, spot, app.sites.bank.as_str()).await;

    let js = "document.getElementById('confirm-transfer') ? document.getElementById('confirm-transfer').disabled : null";
    let disabled = browser.eval_in_tab_at("/transfer/confirm", js).await.and_then(|v| v.as_bool());
    if disabled == Some(true) {
        // Positive control: the disabled button kept the page there, so the second click must
        // have reached it (an enabled one submits, and the money moving is the proof).
        let hovered =
            browser.eval_in_tab_at("/transfer/confirm", "document.querySelectorAll(':hover').length").await;
        assert!(
            hovered.as_ref().and_then(|v| v.as_u64()).is_some_and(|n| n > 0),
            "the second click never reached the bank's page: {hovered:?}"
        );
    } else {
        // The button was enabled (or the page already moved on): the click sent the confirmation.
        note_confirmation(app);
    }
    settled(app).await;
    (disabled, browser.finish(&page, &shot_path(shot, engine)).await)
}

in_both_engines! {
    async fn doubleclick_everything_off_the_second_click_confirms(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off")]).await;
        let (_, browser) = double_click(&app, engine, "doubleclick-everything-off").await;
        assert_outcome(&app, &expected(&app, "doubleclick", Victim::Certificate, browser)).await;
        let detected = "SELECT COUNT(*) FROM lab_verdicts WHERE detection = 'popup' AND scenario = 'doubleclick'";
        assert_eq!(app.count(detected).await, 1);
    }

    async fn doubleclick_frame_headers_and_fetch_metadata_do_not_help(engine: Engine) {
        let vars = [("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny"), ("LAB_FETCH_METADATA", "on")];
        let app = lab(&vars).await;
        let (_, browser) = double_click(&app, engine, "doubleclick-frame-headers-on").await;
        let predicted = expected(&app, "doubleclick", Victim::Certificate, browser);
        assert!(predicted.succeeds());
        assert_outcome(&app, &predicted).await;
    }

    async fn doubleclick_the_gesture_guard_alone_stops_it(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off"), ("LAB_GESTURE_GUARD", "on")]).await;
        let (disabled, browser) = double_click(&app, engine, "doubleclick-gesture-guard-alone").await;
        assert_eq!(disabled, Some(true), "the second click met a disabled button");
        assert_outcome(&app, &expected(&app, "doubleclick", Victim::Certificate, browser)).await;
    }

    async fn doubleclick_defaults_stop_it(engine: Engine) {
        let app = lab(&[]).await;
        let (_, browser) = double_click(&app, engine, "doubleclick-defaults").await;
        assert_outcome(&app, &expected(&app, "doubleclick", Victim::Certificate, browser)).await;
    }

    async fn the_gesture_guard_lets_a_person_who_reads_and_moves_confirm(engine: Engine) {
        let app = lab(&[]).await;
        let browser = Session::launch(&app, engine, Profile::with_certificate("alice")).await;
        let tab = browser.open(&app.url("/transfer/confirm?to=bob&amount=5.00&memo=lunch")).await;
        let button = browser.centre_of(&tab, "#confirm-transfer").await;
        assert_eq!(browser.eval(&tab, "document.getElementById('confirm-transfer').disabled").await, true);
        browser.read_then_point(&tab, button).await;
        browser.click_at(&tab, button).await;
        until("bob to be paid", Duration::from_secs(10), async || {
            app.balances().await["bob"] == 100_500
        })
        .await;
        browser.close().await;
    }

    async fn the_gesture_guard_lets_a_person_on_a_touch_screen_confirm_with_taps(engine: Engine) {
        let app = lab(&[]).await;
        let browser = Session::launch_alone(&app, engine, Profile::with_certificate("alice")).await;
        let tab = browser.open(&app.url("/transfer/confirm?to=bob&amount=5.00&memo=lunch")).await;
        let button = browser.centre_of(&tab, "#confirm-transfer").await;
        let disabled = "document.getElementById('confirm-transfer') ? document.getElementById('confirm-transfer').disabled : null";
        // A tap the moment the page appears is what a double-tap trap would land: it changes nothing.
        browser.tap_at(&tab, button).await;
        assert_eq!(browser.eval(&tab, disabled).await, true, "a tap before the delay left the button disabled");
        assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
        // A person reads, then taps (twice, if the first tap only woke the button up).
        browser.read().await;
        for _ in 0..2 {
            if browser.try_eval(&tab, disabled).await.and_then(|v| v.as_bool()).is_none() {
                break;
            }
            browser.tap_at(&tab, button).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        until("bob to be paid", Duration::from_secs(10), async || app.balances().await["bob"] == 100_500).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 1, "the taps confirmed once");
        browser.close().await;
    }
}
