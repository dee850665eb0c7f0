//! Cookie-session variant.

use clickjack_lab::lab::{Browser, Victim};

use super::CHROMIUM;
use crate::attack::{assert_outcome, expected, overlay_attack, sign_in_by_password};
use crate::chromium::{self, Chromium, Profile};
use crate::common::{TestApp, spawn_app};
use crate::frames::FrameView;

/// Alice, signed in by password, on the cookie-session page, in a browser that does or does not
/// allow third-party cookies.
async fn cookie_session(app: &TestApp, third_party_cookies: bool, shot: &str) -> FrameView {
    let chrome = Chromium::launch(app, Profile { user: None, third_party_cookies }).await;
    sign_in_by_password(&chrome, app).await;
    let url = format!("{}/cookie-session.html", app.attacker_url);
    let frame = overlay_attack(&chrome, app, &url, &["#decoy"], shot).await;
    chrome.close().await;
    frame
}

#[tokio::test]
async fn cookie_session_chromiums_default_third_party_cookie_blocking_shields_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;
    let frame = cookie_session(&app, false, "cookie-session-3pc-blocked").await;
    assert!(frame.text.contains("Sign in first"), "no cookie in the cross-site frame: {frame:?}");
    let predicted = expected(&app, "cookie-session", Victim::CookieSession, CHROMIUM);
    assert!(!predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}

#[tokio::test]
async fn cookie_session_with_third_party_cookies_allowed_and_samesite_none_is_clickjacked() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;
    let frame = cookie_session(&app, true, "cookie-session-3pc-allowed").await;
    assert!(frame.text.contains("Signed in as alice by password"), "{frame:?}");
    let predicted =
        expected(&app, "cookie-session", Victim::CookieSession, Browser { third_party_cookies: true });
    assert!(predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}

#[tokio::test]
async fn cookie_session_samesite_lax_alone_stops_it_even_with_third_party_cookies_allowed() {
    if !chromium::available() {
        return;
    }
    let app =
        spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off"), ("LAB_SAMESITE", "lax")]).await;
    let frame = cookie_session(&app, true, "cookie-session-lax").await;
    assert!(frame.text.contains("Sign in first"), "{frame:?}");
    let allowed = Browser { third_party_cookies: true };
    assert_outcome(&app, &expected(&app, "cookie-session", Victim::CookieSession, allowed)).await;
}

#[tokio::test]
async fn cookie_session_defaults_stop_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    let frame = cookie_session(&app, true, "cookie-session-defaults").await;
    assert!(frame.is_browser_error(), "{frame:?}");
    let allowed = Browser { third_party_cookies: true };
    assert_outcome(&app, &expected(&app, "cookie-session", Victim::CookieSession, allowed)).await;
}
