//! The basic clickjack with the bank behind a TLS-terminating nginx (`LAB_MTLS=proxy`): the
//! outcomes are those of direct mutual TLS. Chromium presents alice's certificate to nginx
//! inside the attacker's frame; nginx forwards it; the bank's frame headers still decide.

use clickjack_lab::lab::{Browser, Victim};

use crate::attack::{expected, money_moved, overlay_attack};
use crate::chromium::{self, Chromium, Profile};
use crate::common::spawn_app_behind_nginx;

async fn attack(app: &crate::common::TestApp, shot: &str) -> crate::frames::FrameView {
    let chrome = Chromium::launch(app, Profile::with_certificate("alice")).await;
    let url = format!("{}/basic.html", app.attacker_url);
    let frame = overlay_attack(&chrome, app, &url, &["#decoy"], shot).await;
    chrome.close().await;
    frame
}

#[tokio::test]
async fn behind_nginx_with_protections_off_the_framed_click_moves_the_money() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app_behind_nginx(&[("LAB_PROTECTIONS", "off")]).await;
    let predicted = expected(&app, "basic", Victim::Certificate, Browser::CHROMIUM_DEFAULTS);
    assert!(predicted.succeeds(), "the lab predicts the same as direct mTLS: {predicted:?}");

    let frame = attack(&app, "proxy-basic-everything-off").await;

    assert!(frame.href.starts_with(&app.bank_url), "the frame rendered the bank through nginx: {frame:?}");
    assert!(
        frame.text.contains("Signed in as alice by certificate"),
        "the certificate Chromium gave nginx in the frame reached the bank: {frame:?}"
    );
    assert!(money_moved(&app, true).await, "the click went through nginx to the bank");
    assert_eq!(app.balances().await["alice"], 100_000 - 25_000);
    let by: Vec<(String,)> = app.fetch_all("SELECT signed_in_by FROM transfers").await;
    assert_eq!(by, [("certificate".to_owned(),)]);
}

#[tokio::test]
async fn behind_nginx_with_the_defaults_the_frame_is_refused_and_nothing_moves() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app_behind_nginx(&[]).await;
    let predicted = expected(&app, "basic", Victim::Certificate, Browser::CHROMIUM_DEFAULTS);
    assert!(!predicted.succeeds(), "{predicted:?}");

    let frame = attack(&app, "proxy-basic-defaults").await;

    assert!(frame.is_browser_error(), "the frame headers crossed nginx: {frame:?}");
    assert!(!money_moved(&app, false).await);
    // Positive control: the same browser profile reaches the bank through nginx at the top level.
    let chrome = Chromium::launch(&app, Profile::with_certificate("alice")).await;
    let page = chrome.open(&app.bank_url).await;
    let mut text = String::new();
    chromium::wait_for("the dashboard through nginx", std::time::Duration::from_secs(10), async || {
        text = chromium::eval(&page, "document.body ? document.body.innerText : ''")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        text.contains("Signed in as")
    })
    .await;
    chrome.close().await;
    assert!(text.contains("Signed in as alice by certificate"), "{text}");
}
