//! Multistep.

use clickjack_lab::lab::Victim;

use crate::attack::{assert_outcome, expected, lab, overlay_as_alice};
use crate::in_both_engines;

const TWO_DECOYS: &[&str] = &["#decoy", "#decoy-next"];

in_both_engines! {
    async fn multistep_everything_off_two_decoys_get_through_both_steps(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off")]).await;
        let url = format!("{}/multistep.html", app.sites.cross_site);
        let (_, browser) = overlay_as_alice(&app, engine, &url, TWO_DECOYS, "multistep-everything-off").await;
        assert_outcome(&app, &expected(&app, "multistep", Victim::Certificate, browser)).await;
        assert_eq!(app.balances().await["mallory"], 1_000 + 60_000, "600.00, above LAB_CONFIRM_ABOVE");
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE reason LIKE '%confirm again%'").await, 1);
    }

    async fn multistep_frame_headers_alone_stop_it(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")]).await;
        let url = format!("{}/multistep.html", app.sites.cross_site);
        let (frame, browser) = overlay_as_alice(&app, engine, &url, TWO_DECOYS, "multistep-frame-deny-alone").await;
        assert!(frame.is_framing_refusal(), "{frame:?}");
        assert_outcome(&app, &expected(&app, "multistep", Victim::Certificate, browser)).await;
    }

    async fn multistep_defaults_stop_it(engine: Engine) {
        let app = lab(&[]).await;
        let url = format!("{}/multistep.html", app.sites.cross_site);
        let (_, browser) = overlay_as_alice(&app, engine, &url, TWO_DECOYS, "multistep-defaults").await;
        assert_outcome(&app, &expected(&app, "multistep", Victim::Certificate, browser)).await;
    }
}
