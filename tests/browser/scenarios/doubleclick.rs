//! DoubleClickjacking.

use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::page::EventLoadEventFired;
use chromiumoxide::types::ClickOptions;
use clickjack_lab::lab::Victim;
use futures_util::StreamExt;

use super::CHROMIUM;
use crate::attack::{assert_outcome, expected, note_attack, shot_path};
use crate::chromium::{self, Chromium, Profile};
use crate::common::{TestApp, spawn_app};
use crate::frames;

/// Alice starts the "captcha", and double-clicks in the popup: the first click in the popup, the
/// second (as fast as a double-click) at the same point of the window underneath, which the
/// popup navigated to the bank in between.
/// Returns what the window underneath showed after the second click: the bank's confirm button's
/// `disabled` (None: the page had moved on, to the result).
async fn double_click(app: &TestApp, shot: &str) -> Option<bool> {
    let chrome = Chromium::launch(app, Profile::with_certificate("alice")).await;
    let url = format!("{}/doubleclick.html", app.attacker_url);
    note_attack(app, &chrome, &url, shot);
    let page = chrome.open(&url).await;
    let start = chromium::centre_of(&page, "#start").await;
    chromium::read_then_point(&page, start).await;
    chromium::click_at(&page, start).await;

    let mut popup = None;
    chromium::wait_for("the captcha popup", Duration::from_secs(10), async || {
        for candidate in chrome.pages().await {
            if candidate.url().await.ok().flatten().is_some_and(|u| u.ends_with("/doubleclick-popup.html")) {
                popup = Some(candidate);
            }
        }
        popup.is_some()
    })
    .await;
    let popup = popup.expect("waited for it");
    chromium::wait_for("the popup's script", Duration::from_secs(10), async || {
        chromium::try_eval(&popup, "document.readyState").await == Some("complete".into())
    })
    .await;
    // A person reads the popup first (by then its window has its final size), then aims.
    chromium::read(&popup).await;
    let spot = chromium::centre_of(&popup, "#captcha").await;
    chromium::point_at(&popup, spot).await;

    // The first press springs the trap (the popup may close before the release is delivered);
    // the second click follows as soon as the bank's page has loaded underneath, as fast as the
    // second half of a double-click.
    let mut loads = page.event_listener::<EventLoadEventFired>().await.expect("load events");
    // The popup closes itself right after the press: its release may never be acknowledged.
    let _ = tokio::time::timeout(Duration::from_millis(300), popup.click(spot)).await;
    tokio::time::timeout(Duration::from_secs(10), loads.next())
        .await
        .expect("the popup navigated the window underneath")
        .expect("a load event");
    let second = ClickOptions::builder().click_count(2).build();
    tokio::time::timeout(Duration::from_secs(5), page.click_with(spot, second))
        .await
        .expect("second click in time")
        .expect("second click");
    let js = "document.getElementById('confirm-transfer') ? document.getElementById('confirm-transfer').disabled : null";
    let disabled = frames::evaluate_in_targets(chrome.websocket(), "page", js)
        .await
        .into_iter()
        .find(|(url, _)| url.contains("/transfer/confirm"))
        .and_then(|(_, value)| value.as_bool());
    tokio::time::sleep(Duration::from_millis(800)).await;
    chromium::screenshot(&page, &shot_path(shot)).await;
    chrome.close().await;
    disabled
}

#[tokio::test]
async fn doubleclick_everything_off_the_second_click_confirms() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;
    double_click(&app, "doubleclick-everything-off").await;
    assert_outcome(&app, &expected(&app, "doubleclick", Victim::Certificate, CHROMIUM)).await;
    let detected = "SELECT COUNT(*) FROM transfers WHERE detection = 'popup' AND scenario = 'doubleclick'";
    assert_eq!(app.count(detected).await, 1);
}

#[tokio::test]
async fn doubleclick_frame_headers_and_fetch_metadata_do_not_help() {
    if !chromium::available() {
        return;
    }
    let vars = [("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny"), ("LAB_FETCH_METADATA", "on")];
    let app = spawn_app(&vars).await;
    double_click(&app, "doubleclick-frame-headers-on").await;
    let predicted = expected(&app, "doubleclick", Victim::Certificate, CHROMIUM);
    assert!(predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}

#[tokio::test]
async fn doubleclick_the_gesture_guard_alone_stops_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_GESTURE_GUARD", "on")]).await;
    let disabled = double_click(&app, "doubleclick-gesture-guard-alone").await;
    assert_eq!(disabled, Some(true), "the second click met a disabled button");
    assert_outcome(&app, &expected(&app, "doubleclick", Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn doubleclick_defaults_stop_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[]).await;
    double_click(&app, "doubleclick-defaults").await;
    assert_outcome(&app, &expected(&app, "doubleclick", Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn the_gesture_guard_lets_a_person_who_reads_and_moves_confirm() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[]).await;
    let chrome = Chromium::launch(&app, Profile::with_certificate("alice")).await;
    let page = chrome.open(&app.url("/transfer/confirm?to=bob&amount=5.00&memo=lunch")).await;
    let button = chromium::centre_of(&page, "#confirm-transfer").await;
    assert_eq!(chromium::eval(&page, "document.getElementById('confirm-transfer').disabled").await, true);
    chromium::read_then_point(&page, button).await;
    chromium::click_at(&page, button).await;
    chromium::wait_for("bob to be paid", Duration::from_secs(10), async || {
        app.balances().await["bob"] == 100_500
    })
    .await;
    chrome.close().await;
}
