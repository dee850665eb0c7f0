//! Attack 1, basic clickjacking: the prefilled confirmation page, nearly invisible, under a decoy.

use std::time::Duration;

use crate::chromium::{self, Chromium, Profile};
use crate::common::{TestApp, spawn_app};
use crate::frames::FrameView;

const ATTACK: &str = "/basic.html";
/// The attack page moves 250.00 from the victim to mallory.
const STOLEN: i64 = 25_000;

/// Opens the attack page as alice (with her certificate), waits for its frame to render, clicks
/// the decoy, and returns what the frame showed before the click.
async fn click_the_decoy(app: &TestApp, shot: &str) -> FrameView {
    let chrome = Chromium::launch(app, Profile::with_certificate("alice")).await;
    let frame = attack(&chrome, app, shot).await;
    chrome.close().await;
    frame
}

/// In a running browser: opens the attack page, waits for the frame, clicks the decoy.
async fn attack(chrome: &Chromium, app: &TestApp, shot: &str) -> FrameView {
    let page = chrome.open(&format!("{}{ATTACK}", app.attacker_url)).await;

    let mut rendered = None;
    chromium::wait_for("the framed bank page to render", Duration::from_secs(20), async || {
        rendered =
            chrome.iframes().await.into_iter().find(|f| {
                f.ready == "complete" && (f.is_browser_error() || f.href.starts_with(&app.bank_url))
            });
        rendered.is_some()
    })
    .await;

    // A person reads the offer, moves the pointer to the button, and clicks.
    let decoy = chromium::centre_of(&page, "#decoy").await;
    chromium::read_then_point(&page, decoy).await;
    chromium::click_at(&page, decoy).await;
    // Positive control: the click went into the frame, not to the decoy underneath it.
    let decoy_clicks =
        chromium::eval(&page, "document.getElementById('decoy').getAttribute('data-clicks')").await;
    assert!(decoy_clicks.is_null(), "the click reached the decoy, not the frame over it ({decoy_clicks})");
    // Let a POST (if any) land before the browser goes away; the callers also poll balances.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    chromium::eval(&page, "document.getElementById('reveal').click()").await;
    chromium::screenshot(&page, &shots().join(shot)).await;
    rendered.expect("waited for it")
}

fn shots() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-shots")
}

async fn wait_for_balances(app: &TestApp, alice: i64, mallory: i64) {
    chromium::wait_for("the transfer to reach the bank", Duration::from_secs(15), async || {
        let b = app.balances().await;
        b["alice"] == alice && b["mallory"] == mallory
    })
    .await;
}

/// The one audit event of the framed POST: (decision, Origin, Sec-Fetch-Site, Sec-Fetch-Dest, cert CN).
async fn framed_post(app: &TestApp) -> (String, String, String, String, String) {
    let url = format!("sqlite://{}?mode=ro", app.database.display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let row = sqlx::query_as(
        "SELECT decision, origin, sec_fetch_site, sec_fetch_dest, cert_cn FROM audit_events \
         WHERE method = 'POST' AND path = '/transfer'",
    )
    .fetch_one(&pool)
    .await
    .expect("exactly one audited POST /transfer");
    pool.close().await;
    row
}

#[tokio::test]
async fn with_every_protection_off_the_decoy_click_moves_alices_money_to_mallory() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;

    let frame = click_the_decoy(&app, "basic-protections-off.png").await;

    assert!(frame.href.starts_with(&app.bank_url), "the frame rendered the bank: {frame:?}");
    assert!(
        frame.text.contains("Signed in as alice by certificate"),
        "Chromium presented alice's certificate inside the cross-site frame: {frame:?}"
    );
    wait_for_balances(&app, 100_000 - STOLEN, 1_000 + STOLEN).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 1);
}

#[tokio::test]
async fn with_the_defaults_the_browser_refuses_the_frame_and_nothing_moves() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[]).await;

    let frame = click_the_decoy(&app, "basic-defaults.png").await;

    assert!(frame.is_browser_error(), "the browser refused to render the bank in the frame: {frame:?}");
    assert!(frame.text.contains("refused to connect"), "Chromium's refusal page: {frame:?}");
    assert_eq!(app.balances().await["alice"], 100_000);
    assert_eq!(app.balances().await["mallory"], 1_000);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, 0, "no request reached the bank");
}

#[tokio::test]
async fn frame_headers_and_fetch_metadata_off_let_it_through_origin_check_csrf_token_samesite_and_mtls_on() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_FRAME", "off"), ("LAB_FETCH_METADATA", "off")]).await;

    let frame = click_the_decoy(&app, "basic-frame-off.png").await;

    assert!(frame.text.contains("Signed in as alice by certificate"), "{frame:?}");
    assert!(
        frame.text.contains("LAB_CSRF_TOKEN=on") && frame.text.contains("LAB_ORIGIN_CHECK=on"),
        "{frame:?}"
    );
    wait_for_balances(&app, 100_000 - STOLEN, 1_000 + STOLEN).await;
    // What the bank saw: a same-origin POST from alice's certificate, with a valid token. Only
    // Sec-Fetch-Dest gives the frame away.
    let (decision, origin, site, dest, cn) = framed_post(&app).await;
    assert_eq!(decision, "allowed");
    assert_eq!(origin, app.bank_url);
    assert_eq!(site, "same-origin");
    assert_eq!(dest, "iframe");
    assert_eq!(cn, "alice");
}

#[tokio::test]
async fn fetch_metadata_alone_stops_it_the_framed_page_is_refused() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_FETCH_METADATA", "on")]).await;

    let frame = click_the_decoy(&app, "basic-fetch-metadata.png").await;

    assert!(frame.href.starts_with(&app.bank_url), "{frame:?}");
    assert!(frame.text.contains("Refused by Fetch Metadata"), "the bank refused the framed page: {frame:?}");
    assert_eq!(app.balances().await["alice"], 100_000);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
}

/// Signs alice in by password in a bank tab (the setup a person would do; not part of the attack).
async fn sign_in_by_password(chrome: &Chromium, app: &TestApp) {
    let page = chrome.open(&app.url("/login")).await;
    chromium::eval(
        &page,
        "document.querySelector('input[name=username]').value = 'alice'; \
         document.querySelector('input[name=password]').value = 'alice-pass'; \
         document.getElementById('sign-in').click();",
    )
    .await;
    chromium::wait_for("alice's dashboard", Duration::from_secs(15), async || {
        chromium::try_eval(&page, "document.getElementById('balance') ? 'yes' : 'no'").await
            == Some("yes".into())
    })
    .await;
}

#[tokio::test]
async fn a_password_session_is_shielded_by_chromiums_default_third_party_cookie_blocking() {
    if !chromium::available() {
        return;
    }
    // Every protection off, SameSite=None: only the browser stands in the way.
    let app = spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;
    let chrome = Chromium::launch(&app, Profile { user: None, third_party_cookies: false }).await;
    sign_in_by_password(&chrome, &app).await;

    let frame = attack(&chrome, &app, "basic-cookie-session-3pc-blocked.png").await;
    chrome.close().await;

    assert!(frame.href.starts_with(&app.bank_url), "{frame:?}");
    assert!(frame.text.contains("Sign in first"), "the cookie did not reach the cross-site frame: {frame:?}");
    assert_eq!(app.balances().await["alice"], 100_000);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
}

#[tokio::test]
async fn with_third_party_cookies_allowed_a_samesite_none_password_session_is_clickjacked_too() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;
    let chrome = Chromium::launch(&app, Profile { user: None, third_party_cookies: true }).await;
    sign_in_by_password(&chrome, &app).await;

    let frame = attack(&chrome, &app, "basic-cookie-session-3pc-allowed.png").await;
    chrome.close().await;

    assert!(frame.text.contains("Signed in as alice by password"), "{frame:?}");
    wait_for_balances(&app, 100_000 - STOLEN, 1_000 + STOLEN).await;
}
