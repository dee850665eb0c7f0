//! Frame busters.

use clickjack_lab::lab::{Delivery, Framer, Victim};

use crate::attack::{assert_outcome, expected, expected_for, lab, overlay_as_alice};
use crate::in_both_engines;

in_both_engines! {
    async fn framebuster_classic_is_defeated_by_a_sandboxed_frame(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off"), ("LAB_FRAMEBUSTER", "classic")]).await;
        let url = format!("{}/framebuster.html", app.sites.cross_site);
        let (frame, browser) =
            overlay_as_alice(&app, engine, &url, &["#decoy"], "framebuster-classic-sandboxed").await;
        assert!(frame.visible && frame.text.contains("Confirm transfer"), "scripts off: the page renders: {frame:?}");
        let predicted = expected(&app, "framebuster", Victim::Certificate, browser);
        assert!(predicted.succeeds());
        assert_outcome(&app, &predicted).await;
    }

    async fn framebuster_classic_without_the_sandbox_blanks_the_page_and_cannot_navigate_top(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off"), ("LAB_FRAMEBUSTER", "classic")]).await;
        let url = format!("{}/framebuster.html?sandbox=off", app.sites.cross_site);
        let (frame, browser) =
            overlay_as_alice(&app, engine, &url, &["#decoy"], "framebuster-classic-unsandboxed").await;
        assert!(frame.href.starts_with(app.sites.bank.as_str()), "the attacker's page kept the top window: {frame:?}");
        assert!(!frame.visible, "the script blanked the page: {frame:?}");
        let delivery = Delivery::FramedClick { framer: Framer::CrossSite, sandboxed: false };
        assert_outcome(&app, &expected_for(&app, delivery, Victim::Certificate, browser)).await;
    }

    async fn framebuster_hidden_survives_the_sandbox(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off"), ("LAB_FRAMEBUSTER", "hidden")]).await;
        let url = format!("{}/framebuster.html", app.sites.cross_site);
        let (frame, browser) =
            overlay_as_alice(&app, engine, &url, &["#decoy"], "framebuster-hidden-sandboxed").await;
        assert!(frame.href.starts_with(app.sites.bank.as_str()) && !frame.visible, "the page stays hidden: {frame:?}");
        let predicted = expected(&app, "framebuster", Victim::Certificate, browser);
        assert!(!predicted.succeeds());
        assert_outcome(&app, &predicted).await;
    }

    async fn framebuster_page_everything_off_and_defaults(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off")]).await;
        let url = format!("{}/framebuster.html", app.sites.cross_site);
        let (_, browser) = overlay_as_alice(&app, engine, &url, &["#decoy"], "framebuster-everything-off").await;
        assert_outcome(&app, &expected(&app, "framebuster", Victim::Certificate, browser)).await;

        let app = lab(&[]).await;
        let url = format!("{}/framebuster.html", app.sites.cross_site);
        let (_, browser) = overlay_as_alice(&app, engine, &url, &["#decoy"], "framebuster-defaults").await;
        assert_outcome(&app, &expected(&app, "framebuster", Victim::Certificate, browser)).await;
    }

    async fn the_gesture_guard_cannot_run_in_the_sandbox_so_the_button_stays_disabled(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off"), ("LAB_GESTURE_GUARD", "on")]).await;
        let url = format!("{}/framebuster.html", app.sites.cross_site);
        let (frame, browser) =
            overlay_as_alice(&app, engine, &url, &["#decoy"], "framebuster-gesture-guard-alone").await;
        assert!(frame.visible && frame.text.contains("Confirm transfer"), "the page renders: {frame:?}");
        let predicted = expected(&app, "framebuster", Victim::Certificate, browser);
        assert_eq!(predicted.blocks().len(), 1, "{predicted:?}");
        assert_outcome(&app, &predicted).await;
    }
}
