//! Frame busters.

use clickjack_lab::lab::{Delivery, Framer, Victim};

use crate::attack::{assert_outcome, expected_for, lab, overlay_as_alice, run};
use crate::in_both_engines;

in_both_engines! {
    async fn framebuster_classic_is_defeated_by_a_sandboxed_frame(engine: Engine) {
        let vars = [("LAB_PROTECTIONS", "off"), ("LAB_FRAMEBUSTER", "classic")];
        let sandboxed = run(engine, "framebuster", &vars, &["#decoy"], "framebuster-classic-sandboxed").await;
        let frame = &sandboxed.frame;
        assert!(frame.visible && frame.text.contains("Confirm transfer"), "scripts off: the page renders: {frame:?}");
        assert!(sandboxed.predicted.succeeds());
    }

    /// Measured: Chromium 156 and Firefox 153 ESR refuse the script's navigation of the top window
    /// (no user gesture), so the framed page stays blank; Firefox 140 ESR let it take over.
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
        let vars = [("LAB_PROTECTIONS", "off"), ("LAB_FRAMEBUSTER", "hidden")];
        let hidden = run(engine, "framebuster", &vars, &["#decoy"], "framebuster-hidden-sandboxed").await;
        let frame = &hidden.frame;
        assert!(frame.href.starts_with(hidden.app.sites.bank.as_str()) && !frame.visible, "the page stays hidden: {frame:?}");
        assert!(!hidden.predicted.succeeds());
    }

    async fn framebuster_page_everything_off_and_defaults(engine: Engine) {
        run(engine, "framebuster", &[("LAB_PROTECTIONS", "off")], &["#decoy"], "framebuster-everything-off").await;
        run(engine, "framebuster", &[], &["#decoy"], "framebuster-defaults").await;
    }

    async fn the_gesture_guard_cannot_run_in_the_sandbox_so_the_button_stays_disabled(engine: Engine) {
        let vars = [("LAB_PROTECTIONS", "off"), ("LAB_GESTURE_GUARD", "on")];
        let guarded = run(engine, "framebuster", &vars, &["#decoy"], "framebuster-gesture-guard-alone").await;
        let frame = &guarded.frame;
        assert!(frame.visible && frame.text.contains("Confirm transfer"), "the page renders: {frame:?}");
        assert_eq!(guarded.predicted.blocks().len(), 1, "{:?}", guarded.predicted);
    }
}
