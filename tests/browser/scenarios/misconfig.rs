//! Misconfigurations.

use std::time::Duration;

use clickjack_lab::lab::Victim;

use super::{CHROMIUM, overlay_as_alice};
use crate::attack::{assert_outcome, expected};
use crate::chromium::{self};
use crate::common::{TestApp, spawn_app};

/// The misconfiguration page against a bank running `vars` with Fetch Metadata off, as the page
/// says (every other protection on: they do not stop clickjacking).
async fn misconfigured(vars: &[(&str, &str)], shot: &str) -> TestApp {
    let mut all = vec![("LAB_FETCH_METADATA", "off")];
    all.extend_from_slice(vars);
    let app = spawn_app(&all).await;
    let frame = overlay_as_alice(&app, "/misconfig.html", &["#decoy"], shot).await;
    assert!(frame.text.contains("Confirm transfer"), "the bank rendered in the frame: {frame:?}");
    let predicted = expected(&app, "misconfig", Victim::Certificate, CHROMIUM);
    assert!(predicted.succeeds(), "{vars:?} looks protected and is not");
    assert_outcome(&app, &predicted).await;
    app
}

#[tokio::test]
async fn misconfig_frame_ancestors_in_a_meta_tag_is_ignored() {
    if !chromium::available() {
        return;
    }
    misconfigured(&[("LAB_FRAME", "meta")], "misconfig-meta").await;
}

#[tokio::test]
async fn misconfig_x_frame_options_allow_from_fails_open() {
    if !chromium::available() {
        return;
    }
    misconfigured(&[("LAB_FRAME", "allow-from")], "misconfig-allow-from").await;
}

#[tokio::test]
async fn misconfig_report_only_reports_the_framing_and_allows_it() {
    if !chromium::available() {
        return;
    }
    let app = misconfigured(&[("LAB_FRAME", "report-only")], "misconfig-report-only").await;
    let reports =
        "SELECT COUNT(*) FROM audit_events WHERE path = '/csp-report' AND reason LIKE '%frame-ancestors%'";
    chromium::wait_for("the CSP report", Duration::from_secs(10), async || app.count(reports).await >= 1)
        .await;
}

#[tokio::test]
async fn misconfig_an_allowlist_that_lists_the_attacker() {
    if !chromium::available() {
        return;
    }
    // The allowlist names the attacker's origin, so its port is chosen here, not by the lab.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let attacker = format!("http://127.0.0.1:{port}");
    let app = spawn_app(&[
        ("LAB_FETCH_METADATA", "off"),
        ("LAB_FRAME", "allowlist"),
        ("LAB_ATTACKER_PORT", port.as_str()),
        ("LAB_FRAME_ANCESTORS", attacker.as_str()),
    ])
    .await;
    let frame = overlay_as_alice(&app, "/misconfig.html", &["#decoy"], "misconfig-allowlist").await;
    assert!(frame.text.contains("Confirm transfer"), "{frame:?}");
    assert_outcome(&app, &expected(&app, "misconfig", Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn misconfig_page_everything_off_defaults_and_real_frame_headers() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;
    overlay_as_alice(&app, "/misconfig.html", &["#decoy"], "misconfig-everything-off").await;
    assert_outcome(&app, &expected(&app, "misconfig", Victim::Certificate, CHROMIUM)).await;

    let app = spawn_app(&[]).await;
    let frame = overlay_as_alice(&app, "/misconfig.html", &["#decoy"], "misconfig-defaults").await;
    assert!(frame.is_browser_error(), "{frame:?}");
    assert_outcome(&app, &expected(&app, "misconfig", Victim::Certificate, CHROMIUM)).await;

    // The real thing, alone: frame headers sent as headers.
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")]).await;
    let frame = overlay_as_alice(&app, "/misconfig.html", &["#decoy"], "misconfig-frame-deny-alone").await;
    assert!(frame.is_browser_error(), "{frame:?}");
    assert_outcome(&app, &expected(&app, "misconfig", Victim::Certificate, CHROMIUM)).await;
}
