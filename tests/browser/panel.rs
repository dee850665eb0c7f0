//! The README's first attack without a restart: under the defaults, alice switches every
//! protection off on the lab's protections page (a real click on its button), and the basic attack
//! then lands, as the lab predicts for what is now in force.

use std::time::Duration;

use clickjack_lab::config::Settings;
use clickjack_lab::lab::Victim;
use clickjack_lab::lab::expect::expect;
use clickjack_lab::lab::scenarios::Scenario;

use crate::attack::{assert_outcome, lab, overlay_attack};
use crate::common::until;
use crate::engine::Session;
use crate::in_both_engines;
use crate::profile::Profile;

in_both_engines! {
    async fn switching_every_protection_off_on_the_panel_lets_the_basic_attack_land_without_a_restart(engine: Engine) {
        let app = lab(&[]).await;
        let browser = Session::launch(&app, engine, Profile::with_certificate("alice")).await;
        let panel = browser.open(&app.url("/lab/protections")).await;
        let button = browser.centre_of(&panel, "#protections-all-off").await;
        browser.read_then_point(&panel, button).await;
        browser.click_at(&panel, button).await;
        until("the panel to say the switch is in force", Duration::from_secs(15), async || {
            browser
                .try_eval(&panel, "document.getElementById('protections-switched') ? 1 : 0")
                .await
                .is_some_and(|v| v == 1)
        })
        .await;

        let scenario = Scenario::find("basic").unwrap();
        let url = format!("{}{}", app.sites.cross_site, scenario.page);
        let (frame, tab) = overlay_attack(&browser, &app, &url, &["#decoy"], "panel-basic-everything-off").await;
        assert!(frame.text.contains("Signed in as alice by certificate"), "the frame shows the bank now: {frame:?}");
        let now = Settings::from_pairs(&[("LAB_PROTECTIONS", "off")]).unwrap();
        let predicted = expect(scenario.delivery, Victim::Certificate, &now, &app.sites, browser.lab_browser());
        assert!(predicted.succeeds());
        // Not a measurement of the matrix (it records by the flags the lab started with), so the
        // attack's record is taken out before the outcome is checked; its narrator is checked here.
        let attack = app.last_attack.lock().unwrap().take().expect("the attack's record");
        assert_outcome(&app, &predicted).await;
        assert_eq!(attack.narrated.as_deref(), Some("landed"), "the attack page told the landing");
        let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-shots/panel-basic-landed.png");
        browser.finish(&tab, &shot).await;
    }
}
