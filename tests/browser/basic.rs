//! Attack 1, basic clickjacking: the prefilled confirmation page, nearly invisible, under a decoy.
//! Each test checks the measured outcome against the one the lab predicts (`lab::expect`).

use clickjack_lab::lab::{Browser, Victim};

use crate::attack::{assert_outcome, expected, overlay_attack};
use crate::chromium::{self, Chromium, Profile};
use crate::common::{TestApp, spawn_app};
use crate::frames::FrameView;

/// Alice, signed in by certificate, clicks the decoy on the basic attack page.
async fn attack(app: &TestApp, shot: &str) -> FrameView {
    let chrome = Chromium::launch(app, Profile::with_certificate("alice")).await;
    let url = format!("{}/basic.html", app.attacker_url);
    let frame = overlay_attack(&chrome, app, &url, &["#decoy"], shot).await;
    chrome.close().await;
    frame
}

fn predicted(app: &TestApp) -> clickjack_lab::lab::Outcome {
    expected(app, "basic", Victim::Certificate, Browser::CHROMIUM_DEFAULTS)
}

#[tokio::test]
async fn with_every_protection_off_the_decoy_click_moves_alices_money_to_mallory() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;

    let frame = attack(&app, "basic-everything-off").await;

    assert!(frame.href.starts_with(&app.bank_url), "the frame rendered the bank: {frame:?}");
    assert!(
        frame.text.contains("Signed in as alice by certificate"),
        "Chromium presented alice's certificate inside the cross-site frame: {frame:?}"
    );
    assert!(predicted(&app).succeeds());
    assert_outcome(&app, &predicted(&app)).await;
    assert_eq!(app.balances().await["alice"], 100_000 - 25_000, "alice lost exactly 250.00");
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers WHERE detection = 'framed'").await, 1);
}

#[tokio::test]
async fn with_the_defaults_the_browser_refuses_the_frame_and_nothing_moves() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[]).await;

    let frame = attack(&app, "basic-defaults").await;

    assert!(frame.is_browser_error(), "the browser refused to render the bank in the frame: {frame:?}");
    assert!(frame.text.contains("refused to connect"), "Chromium's refusal page: {frame:?}");
    assert!(!predicted(&app).succeeds());
    assert_outcome(&app, &predicted(&app)).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, 0, "no request reached the bank");
}

#[tokio::test]
async fn frame_headers_alone_stop_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")]).await;

    let frame = attack(&app, "basic-frame-deny-alone").await;

    assert!(frame.is_browser_error(), "{frame:?}");
    assert_outcome(&app, &predicted(&app)).await;
}

#[tokio::test]
async fn fetch_metadata_alone_stops_it_the_framed_page_is_refused() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_FETCH_METADATA", "on")]).await;

    let frame = attack(&app, "basic-fetch-metadata-alone").await;

    assert!(frame.href.starts_with(&app.bank_url), "{frame:?}");
    assert!(frame.text.contains("Refused by Fetch Metadata"), "the bank refused the framed page: {frame:?}");
    assert_outcome(&app, &predicted(&app)).await;
}

#[tokio::test]
async fn frame_headers_and_fetch_metadata_off_let_it_through_every_other_protection() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_FRAME", "off"), ("LAB_FETCH_METADATA", "off")]).await;

    let frame = attack(&app, "basic-frame-and-fetch-metadata-off").await;

    assert!(frame.text.contains("Signed in as alice by certificate"), "{frame:?}");
    assert!(
        frame.text.contains("LAB_CSRF_TOKEN=on") && frame.text.contains("LAB_ORIGIN_CHECK=on"),
        "{frame:?}"
    );
    assert!(frame.text.contains("LAB_GESTURE_GUARD=on"), "the pointer moved over the frame: {frame:?}");
    assert_outcome(&app, &predicted(&app)).await;
    // What the bank saw: a same-origin POST from alice's certificate, with a valid token. Only
    // Sec-Fetch-Dest gives the frame away.
    let event: (String, String, String, String, String) = app
        .fetch_one(
            "SELECT decision, origin, sec_fetch_site, sec_fetch_dest, cert_cn FROM audit_events \
             WHERE method = 'POST' AND path = '/transfer'",
        )
        .await;
    let bank = app.bank_url.clone();
    assert_eq!(event, ("allowed".into(), bank, "same-origin".into(), "iframe".into(), "alice".into()));
}
