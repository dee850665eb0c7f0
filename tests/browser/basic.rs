//! Attack 1, basic clickjacking: the prefilled confirmation page, nearly invisible, under a decoy.
//! Each test checks the measured outcome against the one the lab predicts for its engine
//! (`lab::expect`), and runs in both engines.

use crate::attack::{Run, run};
use crate::engine::Engine;
use crate::in_both_engines;

/// Alice, signed in by certificate, clicks the decoy on the basic attack page of a lab with `vars`.
async fn basic(engine: Engine, vars: &[(&str, &str)], shot: &str) -> Run {
    run(engine, "basic", vars, &["#decoy"], shot).await
}

in_both_engines! {
    async fn with_every_protection_off_the_decoy_click_moves_alices_money_to_mallory(engine: Engine) {
        let Run { app, frame, predicted } = basic(engine, &[("LAB_PROTECTIONS", "off")], "basic-everything-off").await;

        assert!(frame.href.starts_with(app.sites.bank.as_str()), "the frame rendered the bank: {frame:?}");
        assert!(
            frame.text.contains("Signed in as alice by certificate"),
            "the browser presented alice's certificate inside the cross-site frame: {frame:?}"
        );
        assert!(predicted.succeeds());
        assert_eq!(app.balances().await["alice"], 100_000 - 4_000, "alice lost exactly 40.00");
        assert_eq!(app.count("SELECT COUNT(*) FROM lab_verdicts WHERE detection = 'framed'").await, 1);
    }

    async fn with_the_defaults_the_browser_refuses_the_frame_and_nothing_moves(engine: Engine) {
        let Run { app, frame, predicted } = basic(engine, &[], "basic-defaults").await;

        assert!(frame.is_framing_refusal(), "the engine's own refusal page for a refused frame: {frame:?}");
        assert!(!predicted.succeeds());
        // The trace attack 1 leaves under the defaults: the framed GET, refused by Fetch Metadata.
        let rows: Vec<(String, String, String)> =
            app.fetch_all("SELECT method, path, decided_by FROM audit_events").await;
        assert_eq!(rows.len(), 1, "only the refused page load, no POST: {rows:?}");
        let (method, path, decided_by) = &rows[0];
        assert_eq!((method.as_str(), decided_by.as_str()), ("GET", "fetch-metadata"), "{rows:?}");
        assert!(path.starts_with("/transfer/confirm"), "{rows:?}");
    }

    async fn frame_headers_alone_stop_it(engine: Engine) {
        let alone = basic(engine, &[("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")], "basic-frame-deny-alone").await;

        assert!(alone.frame.is_framing_refusal(), "{:?}", alone.frame);
    }

    async fn fetch_metadata_alone_stops_it_the_framed_page_is_refused(engine: Engine) {
        let vars = [("LAB_PROTECTIONS", "off"), ("LAB_FETCH_METADATA", "on")];
        let Run { app, frame, .. } = basic(engine, &vars, "basic-fetch-metadata-alone").await;

        assert!(frame.href.starts_with(app.sites.bank.as_str()), "{frame:?}");
        assert!(frame.text.contains("Refused by Fetch Metadata"), "the bank refused the framed page: {frame:?}");
    }

    async fn frame_headers_and_fetch_metadata_off_let_it_through_every_other_protection(engine: Engine) {
        let vars = [("LAB_FRAME", "off"), ("LAB_FETCH_METADATA", "off")];
        let Run { app, frame, .. } = basic(engine, &vars, "basic-frame-and-fetch-metadata-off").await;

        assert!(frame.text.contains("Signed in as alice by certificate"), "{frame:?}");
        assert!(
            frame.text.contains("LAB_CSRF_TOKEN=on") && frame.text.contains("LAB_ORIGIN_CHECK=on"),
            "{frame:?}"
        );
        assert!(frame.text.contains("LAB_GESTURE_GUARD=on"), "the pointer moved over the frame: {frame:?}");
        // What the bank saw: a same-origin POST from alice's certificate, with a valid token. Only
        // Sec-Fetch-Dest gives the frame away.
        let event: (String, String, String, String, String) = app
            .fetch_one(
                "SELECT decision, origin, sec_fetch_site, sec_fetch_dest, cert_cn FROM audit_events \
                 WHERE method = 'POST' AND path = '/transfer'",
            )
            .await;
        let bank = app.sites.bank.to_string();
        assert_eq!(event, ("allowed".into(), bank, "same-origin".into(), "iframe".into(), "alice".into()));
    }
}
