//! Misconfigurations.

use std::time::Duration;

use clickjack_lab::lab::Victim;

use crate::attack::{assert_outcome, expected, lab, overlay_as_alice};
use crate::common::TestApp;
use crate::engine::Engine;
use crate::in_both_engines;

/// The misconfiguration page against a bank running `vars` with Fetch Metadata off, as the page
/// says (every other protection on: they do not stop clickjacking).
async fn misconfigured(engine: Engine, vars: &[(&str, &str)], shot: &str) -> TestApp {
    let mut all = vec![("LAB_FETCH_METADATA", "off")];
    all.extend_from_slice(vars);
    let app = lab(&all).await;
    let url = format!("{}/misconfig.html", app.sites.cross_site);
    let (frame, browser) = overlay_as_alice(&app, engine, &url, &["#decoy"], shot).await;
    assert!(frame.text.contains("Confirm transfer"), "the bank rendered in the frame: {frame:?}");
    let predicted = expected(&app, "misconfig", Victim::Certificate, browser);
    assert!(predicted.succeeds(), "{vars:?} looks protected and is not");
    assert_outcome(&app, &predicted).await;
    app
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
        let reports = "SELECT COUNT(*) FROM audit_events WHERE path = '/csp-report'";
        let framing = "SELECT COUNT(*) FROM audit_events WHERE path = '/csp-report' AND reason LIKE '%frame-ancestors%'";
        match engine {
            Engine::Chromium => {
                crate::common::until("the CSP report", Duration::from_secs(10), async || app.count(framing).await >= 1)
                    .await;
                let sender: Vec<(Option<String>,)> =
                    app.fetch_all("SELECT cert_cn FROM audit_events WHERE path = '/csp-report'").await;
                assert!(sender.iter().all(|(cn,)| cn.as_deref() == Some("alice")), "{sender:?}");
            }
            Engine::Firefox => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                assert_eq!(app.count(reports).await, 0, "a report reached a bank that requires a certificate");

                let app = misconfigured(
                    engine,
                    &[("LAB_FRAME", "report-only"), ("LAB_MTLS", "optional")],
                    "misconfig-report-only-mtls-optional",
                )
                .await;
                crate::common::until("the CSP report", Duration::from_secs(10), async || app.count(framing).await >= 1)
                    .await;
                let sender: Vec<(Option<String>,)> =
                    app.fetch_all("SELECT cert_cn FROM audit_events WHERE path = '/csp-report'").await;
                assert!(sender.iter().all(|(cn,)| cn.is_none()), "sent without a certificate: {sender:?}");
            }
        }
    }

    async fn misconfig_an_allowlist_that_lists_the_attacker(engine: Engine) {
        // The allowlist names the attacker's origin, so its port is chosen here, not by the lab.
        let port = crate::common::free_port().to_string();
        let attacker = format!("http://127.0.0.1:{port}");
        let app = lab(&[
            ("LAB_FETCH_METADATA", "off"),
            ("LAB_FRAME", "allowlist"),
            ("LAB_ATTACKER_PORT", port.as_str()),
            ("LAB_FRAME_ANCESTORS", attacker.as_str()),
        ])
        .await;
        let url = format!("{}/misconfig.html", app.sites.cross_site);
        let (frame, browser) = overlay_as_alice(&app, engine, &url, &["#decoy"], "misconfig-allowlist").await;
        assert!(frame.text.contains("Confirm transfer"), "{frame:?}");
        assert_outcome(&app, &expected(&app, "misconfig", Victim::Certificate, browser)).await;
    }

    async fn misconfig_page_everything_off_defaults_and_real_frame_headers(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off")]).await;
        let url = format!("{}/misconfig.html", app.sites.cross_site);
        let (_, browser) = overlay_as_alice(&app, engine, &url, &["#decoy"], "misconfig-everything-off").await;
        assert_outcome(&app, &expected(&app, "misconfig", Victim::Certificate, browser)).await;

        let app = lab(&[]).await;
        let url = format!("{}/misconfig.html", app.sites.cross_site);
        let (frame, browser) = overlay_as_alice(&app, engine, &url, &["#decoy"], "misconfig-defaults").await;
        assert!(frame.is_framing_refusal(), "{frame:?}");
        assert_outcome(&app, &expected(&app, "misconfig", Victim::Certificate, browser)).await;

        // The real thing, alone: frame headers sent as headers.
        let app = lab(&[("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")]).await;
        let url = format!("{}/misconfig.html", app.sites.cross_site);
        let (frame, browser) =
            overlay_as_alice(&app, engine, &url, &["#decoy"], "misconfig-frame-deny-alone").await;
        assert!(frame.is_framing_refusal(), "{frame:?}");
        assert_outcome(&app, &expected(&app, "misconfig", Victim::Certificate, browser)).await;
    }
}
