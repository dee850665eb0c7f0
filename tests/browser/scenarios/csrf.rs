//! CSRF.

use std::time::Duration;

use clickjack_lab::lab::Victim;

use super::CHROMIUM;
use crate::attack::{assert_outcome, expected, note_attack, shot_path};
use crate::chromium::{self, Chromium, Profile};
use crate::common::{TestApp, spawn_app};

/// Alice opens the CSRF page and waits for it to submit its form.
async fn csrf(app: &TestApp, shot: &str) -> String {
    let chrome = Chromium::launch(app, Profile::with_certificate("alice")).await;
    let url = format!("{}/csrf.html?wait=1", app.attacker_url);
    note_attack(app, &chrome, &url, shot);
    let page = chrome.open(&url).await;
    let mut landed = String::new();
    chromium::wait_for("the forged form to land on the bank", Duration::from_secs(20), async || {
        let js = "location.origin + ' ' + document.readyState + ' ' + document.body.innerText";
        landed = chromium::try_eval(&page, js)
            .await
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        landed.starts_with(&app.bank_url) && landed.contains(" complete ")
    })
    .await;
    chromium::screenshot(&page, &shot_path(shot)).await;
    chrome.close().await;
    landed
}

#[tokio::test]
async fn csrf_everything_off_the_forged_form_moves_the_money() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;
    let landed = csrf(&app, "csrf-everything-off").await;
    assert!(landed.contains("Transfer done"), "{landed}");
    assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, CHROMIUM)).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transfers WHERE detection = 'forged' AND scenario = 'csrf'").await,
        1
    );
}

#[tokio::test]
async fn csrf_the_origin_check_alone_stops_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_ORIGIN_CHECK", "on")]).await;
    let landed = csrf(&app, "csrf-origin-check-alone").await;
    assert!(landed.contains("Refused by the origin check"), "{landed}");
    assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn csrf_the_token_alone_stops_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_CSRF_TOKEN", "on")]).await;
    let landed = csrf(&app, "csrf-token-alone").await;
    assert!(landed.contains("Refused by the CSRF token check"), "{landed}");
    assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn csrf_defaults_stop_it_and_frame_headers_are_irrelevant() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[]).await;
    csrf(&app, "csrf-defaults").await;
    assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, CHROMIUM)).await;

    // Frame headers and Fetch Metadata on, the origin check and the token off: it goes through.
    let app = spawn_app(&[("LAB_ORIGIN_CHECK", "off"), ("LAB_CSRF_TOKEN", "off")]).await;
    csrf(&app, "csrf-frame-headers-on").await;
    let predicted = expected(&app, "csrf", Victim::Certificate, CHROMIUM);
    assert!(predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}
