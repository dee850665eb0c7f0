//! Multistep.

use crate::attack::run;
use crate::in_both_engines;

const TWO_DECOYS: &[&str] = &["#decoy", "#decoy-next"];

in_both_engines! {
    async fn multistep_everything_off_two_decoys_get_through_both_steps(engine: Engine) {
        let off = run(engine, "multistep", &[("LAB_PROTECTIONS", "off")], TWO_DECOYS, "multistep-everything-off").await;
        assert_eq!(off.app.balances().await["mallory"], 1_000 + 51_000, "510.00, above LAB_CONFIRM_ABOVE");
        let asked = "SELECT COUNT(*) FROM audit_events WHERE reason LIKE '%confirm again%'";
        assert_eq!(off.app.count(asked).await, 1);
    }

    async fn multistep_frame_headers_alone_stop_it(engine: Engine) {
        let deny = [("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")];
        let alone = run(engine, "multistep", &deny, TWO_DECOYS, "multistep-frame-deny-alone").await;
        assert!(alone.frame.is_framing_refusal(), "{:?}", alone.frame);
    }

    async fn multistep_defaults_stop_it(engine: Engine) {
        run(engine, "multistep", &[], TWO_DECOYS, "multistep-defaults").await;
    }
}
