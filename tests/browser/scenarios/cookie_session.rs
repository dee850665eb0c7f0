//! Cookie-session variant.

use clickjack_lab::lab::{Browser, Victim};

use crate::attack::{assert_outcome, expected, lab, overlay_as};
use crate::common::TestApp;
use crate::engine::Engine;
use crate::frames::FrameView;
use crate::in_both_engines;
use crate::profile::Profile;

/// Alice, signed in by password, on the cookie-session page, in a browser that does or does not
/// allow third-party cookies.
async fn cookie_session(
    app: &TestApp,
    engine: Engine,
    third_party_cookies: bool,
    shot: &str,
) -> (FrameView, Browser) {
    let url = format!("{}/cookie-session.html", app.sites.cross_site);
    overlay_as(app, engine, Profile { third_party_cookies, ..Profile::default() }, &url, &["#decoy"], shot)
        .await
}

in_both_engines! {
    /// Chromium blocks third-party cookies in a new profile; Firefox partitions them (Total
    /// Cookie Protection): either way the cross-site frame has no session.
    async fn cookie_session_the_engines_default_cookie_policy_shields_it(engine: Engine) {
        let app = lab(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;
        let (frame, browser) = cookie_session(&app, engine, false, "cookie-session-3pc-blocked").await;
        assert!(frame.text.contains("Sign in first"), "no cookie in the cross-site frame: {frame:?}");
        let predicted = expected(&app, "cookie-session", Victim::CookieSession, browser);
        assert!(!predicted.succeeds());
        assert_outcome(&app, &predicted).await;
    }

    async fn cookie_session_with_third_party_cookies_allowed_and_samesite_none_is_clickjacked(engine: Engine) {
        let app = lab(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;
        let (frame, browser) = cookie_session(&app, engine, true, "cookie-session-3pc-allowed").await;
        assert!(frame.text.contains("Signed in as alice by password"), "{frame:?}");
        let predicted = expected(&app, "cookie-session", Victim::CookieSession, browser);
        assert!(predicted.succeeds());
        assert_outcome(&app, &predicted).await;
    }

    async fn cookie_session_samesite_lax_alone_stops_it_even_with_third_party_cookies_allowed(engine: Engine) {
        let app =
            lab(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off"), ("LAB_SAMESITE", "lax")]).await;
        let (frame, browser) = cookie_session(&app, engine, true, "cookie-session-lax").await;
        assert!(frame.text.contains("Sign in first"), "{frame:?}");
        assert_outcome(&app, &expected(&app, "cookie-session", Victim::CookieSession, browser)).await;
    }

    async fn cookie_session_defaults_stop_it(engine: Engine) {
        let app = lab(&[("LAB_MTLS", "optional")]).await;
        let (frame, browser) = cookie_session(&app, engine, true, "cookie-session-defaults").await;
        assert!(frame.is_framing_refusal(), "{frame:?}");
        assert_outcome(&app, &expected(&app, "cookie-session", Victim::CookieSession, browser)).await;
    }
}
