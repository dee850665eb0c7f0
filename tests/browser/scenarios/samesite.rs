//! Same-site attacker.

use clickjack_lab::lab::Victim;

use super::CHROMIUM;
use crate::attack::{assert_outcome, expected, overlay_attack, sign_in_by_password};
use crate::chromium::{self, Chromium, Profile};
use crate::common::{TestApp, spawn_app};
use crate::frames::FrameView;

/// Alice, signed in by password (no certificate in the browser), on the same-site attack page.
async fn same_site(app: &TestApp, shot: &str) -> FrameView {
    let chrome = Chromium::launch(app, Profile { user: None, third_party_cookies: false }).await;
    sign_in_by_password(&chrome, app).await;
    let url = format!("{}/samesite.html", app.samesite_attacker_url);
    let frame = overlay_attack(&chrome, app, &url, &["#decoy"], shot).await;
    chrome.close().await;
    frame
}

#[tokio::test]
async fn samesite_strict_is_no_defence_against_a_sibling_origin() {
    if !chromium::available() {
        return;
    }
    let app =
        spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off"), ("LAB_SAMESITE", "strict")]).await;
    let frame = same_site(&app, "samesite-strict").await;
    assert!(
        frame.text.contains("Signed in as alice by password"),
        "the Strict cookie reached the frame: {frame:?}"
    );
    let predicted = expected(&app, "samesite", Victim::CookieSession, CHROMIUM);
    assert!(predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}

#[tokio::test]
async fn samesite_frame_headers_alone_stop_it() {
    if !chromium::available() {
        return;
    }
    let vars = [("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")];
    let app = spawn_app(&vars).await;
    let frame = same_site(&app, "samesite-frame-deny-alone").await;
    assert!(frame.is_browser_error(), "{frame:?}");
    assert_outcome(&app, &expected(&app, "samesite", Victim::CookieSession, CHROMIUM)).await;
}

#[tokio::test]
async fn samesite_page_everything_off_and_defaults() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;
    same_site(&app, "samesite-everything-off").await;
    assert_outcome(&app, &expected(&app, "samesite", Victim::CookieSession, CHROMIUM)).await;

    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    same_site(&app, "samesite-defaults").await;
    assert_outcome(&app, &expected(&app, "samesite", Victim::CookieSession, CHROMIUM)).await;
}
