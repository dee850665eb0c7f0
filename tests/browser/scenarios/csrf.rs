//! CSRF.

use std::time::Duration;

use clickjack_lab::lab::{Browser, Victim};

use crate::attack::{assert_outcome, expected, lab, note_attack, note_confirmation, shot_path};
use crate::common::{TestApp, until};
use crate::engine::{Engine, Session};
use crate::in_both_engines;
use crate::profile::Profile;

/// Alice opens the CSRF page and waits for it to submit its form.
async fn csrf(app: &TestApp, engine: Engine, shot: &str) -> (String, Browser) {
    let browser = Session::launch(app, engine, Profile::with_certificate("alice")).await;
    let url = format!("{}/csrf.html?wait=1", app.sites.cross_site);
    note_attack(app, &browser, &url, shot);
    let tab = browser.open(&url).await;
    let mut landed = String::new();
    // The page submits its form by itself: one confirmation, whatever the bank answers.
    note_confirmation(app);
    until("the forged form to land on the bank", Duration::from_secs(20), async || {
        let js = "location.origin + ' ' + document.readyState + ' ' + document.body.innerText";
        landed =
            browser.try_eval(&tab, js).await.and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        landed.starts_with(app.sites.bank.as_str()) && landed.contains(" complete ")
    })
    .await;
    (landed, browser.finish(&tab, &shot_path(shot, engine)).await)
}

in_both_engines! {
    async fn csrf_everything_off_the_forged_form_moves_the_money(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off")]).await;
        let (landed, browser) = csrf(&app, engine, "csrf-everything-off").await;
        assert!(landed.contains("Transfer done"), "{landed}");
        assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, browser)).await;
        let forged = "SELECT COUNT(*) FROM lab_verdicts WHERE detection = 'forged' AND scenario = 'csrf'";
        assert_eq!(app.count(forged).await, 1);
    }

    async fn csrf_the_origin_check_alone_stops_it(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off"), ("LAB_ORIGIN_CHECK", "on")]).await;
        let (landed, browser) = csrf(&app, engine, "csrf-origin-check-alone").await;
        assert!(landed.contains("Refused by the origin check"), "{landed}");
        assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, browser)).await;
    }

    async fn csrf_the_token_alone_stops_it(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off"), ("LAB_CSRF_TOKEN", "on")]).await;
        let (landed, browser) = csrf(&app, engine, "csrf-token-alone").await;
        assert!(landed.contains("Refused by the CSRF token check"), "{landed}");
        assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, browser)).await;
    }

    async fn csrf_defaults_stop_it_and_frame_headers_are_irrelevant(engine: Engine) {
        let app = lab(&[]).await;
        let (_, browser) = csrf(&app, engine, "csrf-defaults").await;
        assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, browser)).await;

        // Frame headers and Fetch Metadata on, the origin check and the token off: it goes through.
        let app = lab(&[("LAB_ORIGIN_CHECK", "off"), ("LAB_CSRF_TOKEN", "off")]).await;
        let (_, browser) = csrf(&app, engine, "csrf-frame-headers-on").await;
        let predicted = expected(&app, "csrf", Victim::Certificate, browser);
        assert!(predicted.succeeds());
        assert_outcome(&app, &predicted).await;
    }
}
