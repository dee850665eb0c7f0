//! Misconfigurations.

use std::time::Duration;

use crate::attack::run;
use crate::common::{TestApp, free_port, until};
use crate::engine::Engine;
use crate::in_both_engines;

/// The misconfiguration page against a bank running `vars` with Fetch Metadata off, as the page
/// says (every other protection on: they do not stop clickjacking).
async fn misconfigured(engine: Engine, vars: &[(&str, &str)], shot: &str) -> TestApp {
    let mut all = vec![("LAB_FETCH_METADATA", "off")];
    all.extend_from_slice(vars);
    let misconfig = run(engine, "misconfig", &all, &["#decoy"], shot).await;
    let frame = &misconfig.frame;
    assert!(frame.text.contains("Confirm transfer"), "the bank rendered in the frame: {frame:?}");
    assert!(misconfig.predicted.succeeds(), "{vars:?} looks protected and is not");
    misconfig.app
}

/// The misconfiguration page against a bank whose frame headers have the quirk `mode` that fails
/// closed (Fetch Metadata off, as above): the browser refuses the frame and nothing moves.
async fn refused(engine: Engine, mode: &str) {
    let vars = [("LAB_FETCH_METADATA", "off"), ("LAB_FRAME", mode)];
    let quirk = run(engine, "misconfig", &vars, &["#decoy"], &format!("misconfig-{mode}")).await;
    assert!(quirk.frame.is_framing_refusal(), "{mode}: {:?}", quirk.frame);
    assert!(!quirk.predicted.succeeds(), "{mode} fails closed");
}

/// The senders of the CSP reports a lab received (their certificates' CNs), once one arrived.
async fn report_senders(app: &TestApp) -> Vec<(Option<String>,)> {
    let framing =
        "SELECT COUNT(*) FROM audit_events WHERE path = '/csp-report' AND reason LIKE '%frame-ancestors%'";
    until("the CSP report", Duration::from_secs(10), async || app.count(framing).await >= 1).await;
    app.fetch_all("SELECT cert_cn FROM audit_events WHERE path = '/csp-report'").await
}

in_both_engines! {
    async fn misconfig_frame_ancestors_in_a_meta_tag_is_ignored(engine: Engine) {
        misconfigured(engine, &[("LAB_FRAME", "meta")], "misconfig-meta").await;
    }

    async fn misconfig_x_frame_options_allow_from_fails_open(engine: Engine) {
        misconfigured(engine, &[("LAB_FRAME", "allow-from")], "misconfig-allow-from").await;
    }

    /// Both engines render the framed bank under a report-only policy. Chromium sends the report
    /// with the client certificate; Firefox sends it anonymously, without one (measured: with
    /// `LAB_MTLS=optional` it arrives with no certificate; with `required`, the default, the
    /// handshake refuses it and the bank never hears of the framing).
    async fn misconfig_report_only_reports_the_framing_and_allows_it(engine: Engine) {
        let app = misconfigured(engine, &[("LAB_FRAME", "report-only")], "misconfig-report-only").await;
        match engine {
            Engine::Chromium => {
                let senders = report_senders(&app).await;
                assert!(senders.iter().all(|(cn,)| cn.as_deref() == Some("alice")), "{senders:?}");
            }
            Engine::Firefox => {
                // The same attack where the bank accepts a connection without a certificate: the
                // report comes, anonymous. By the time it has, the first bank has had all the
                // time it needed to receive its own.
                let optional = [("LAB_FRAME", "report-only"), ("LAB_MTLS", "optional")];
                let open = misconfigured(engine, &optional, "misconfig-report-only-mtls-optional").await;
                let senders = report_senders(&open).await;
                assert!(senders.iter().all(|(cn,)| cn.is_none()), "sent without a certificate: {senders:?}");
                let reports = "SELECT COUNT(*) FROM audit_events WHERE path = '/csp-report'";
                assert_eq!(app.count(reports).await, 0, "a report reached a bank that requires a certificate");
            }
        }
    }

    async fn misconfig_an_allowlist_that_lists_the_attacker(engine: Engine) {
        // The allowlist names the attacker's origin, so its port is chosen here, not by the lab.
        let port = free_port().to_string();
        let attacker = format!("http://127.0.0.1:{port}");
        let vars = [
            ("LAB_FETCH_METADATA", "off"),
            ("LAB_FRAME", "allowlist"),
            ("LAB_ATTACKER_PORT", port.as_str()),
            ("LAB_FRAME_ANCESTORS", attacker.as_str()),
        ];
        let allowlisted = run(engine, "misconfig", &vars, &["#decoy"], "misconfig-allowlist").await;
        assert!(allowlisted.frame.text.contains("Confirm transfer"), "{:?}", allowlisted.frame);
    }

    /// Header quirks, as both engines process them today (Chromium 156, Firefox 153 ESR; older
    /// engines differed on duplicates and lists).
    async fn misconfig_two_disagreeing_x_frame_options_headers_fail_closed(engine: Engine) {
        refused(engine, "xfo-conflict").await;
    }

    async fn misconfig_an_x_frame_options_list_fails_closed(engine: Engine) {
        refused(engine, "xfo-list").await;
    }

    async fn misconfig_an_x_frame_options_typo_fails_open(engine: Engine) {
        misconfigured(engine, &[("LAB_FRAME", "xfo-typo")], "misconfig-xfo-typo").await;
    }

    async fn misconfig_a_typo_in_a_frame_ancestors_source_fails_closed(engine: Engine) {
        refused(engine, "csp-typo").await;
    }

    async fn misconfig_frame_ancestors_star_overrides_x_frame_options_deny(engine: Engine) {
        misconfigured(engine, &[("LAB_FRAME", "csp-wildcard")], "misconfig-csp-wildcard").await;
    }

    async fn misconfig_page_everything_off_defaults_and_real_frame_headers(engine: Engine) {
        run(engine, "misconfig", &[("LAB_PROTECTIONS", "off")], &["#decoy"], "misconfig-everything-off").await;

        let defaults = run(engine, "misconfig", &[], &["#decoy"], "misconfig-defaults").await;
        assert!(defaults.frame.is_framing_refusal(), "{:?}", defaults.frame);

        // The real thing, alone: frame headers sent as headers.
        let deny = [("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")];
        let alone = run(engine, "misconfig", &deny, &["#decoy"], "misconfig-frame-deny-alone").await;
        assert!(alone.frame.is_framing_refusal(), "{:?}", alone.frame);
    }
}
