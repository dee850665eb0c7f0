//! Same-site attacker.

use clickjack_lab::lab::{Browser, Victim};

use crate::attack::{assert_outcome, expected, lab, overlay_as};
use crate::common::TestApp;
use crate::engine::Engine;
use crate::frames::FrameView;
use crate::in_both_engines;
use crate::profile::Profile;

/// Alice, signed in by password (no certificate in the browser), on the same-site attack page.
async fn same_site(app: &TestApp, engine: Engine, shot: &str) -> (FrameView, Browser) {
    let url = format!("{}/samesite.html", app.sites.same_site);
    let profile = Profile::default();
    overlay_as(app, engine, profile, &url, &["#decoy"], shot).await
}

in_both_engines! {
    async fn samesite_strict_is_no_defence_against_a_sibling_origin(engine: Engine) {
        let app =
            lab(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off"), ("LAB_SAMESITE", "strict")]).await;
        let (frame, browser) = same_site(&app, engine, "samesite-strict").await;
        assert!(frame.text.contains("Signed in as alice by password"), "the Strict cookie reached the frame: {frame:?}");
        let predicted = expected(&app, "samesite", Victim::CookieSession, browser);
        assert!(predicted.succeeds());
        assert_outcome(&app, &predicted).await;
    }

    async fn samesite_frame_headers_alone_stop_it(engine: Engine) {
        let vars = [("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")];
        let app = lab(&vars).await;
        let (frame, browser) = same_site(&app, engine, "samesite-frame-deny-alone").await;
        assert!(frame.is_framing_refusal(), "{frame:?}");
        assert_outcome(&app, &expected(&app, "samesite", Victim::CookieSession, browser)).await;
    }

    async fn samesite_page_everything_off_and_defaults(engine: Engine) {
        let app = lab(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;
        let (_, browser) = same_site(&app, engine, "samesite-everything-off").await;
        assert_outcome(&app, &expected(&app, "samesite", Victim::CookieSession, browser)).await;

        let app = lab(&[("LAB_MTLS", "optional")]).await;
        let (_, browser) = same_site(&app, engine, "samesite-defaults").await;
        assert_outcome(&app, &expected(&app, "samesite", Victim::CookieSession, browser)).await;
    }
}
