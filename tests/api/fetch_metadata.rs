//! Fetch Metadata (`LAB_FETCH_METADATA`): state-changing requests sent from a frame are refused,
//! and so are framed loads of bank pages started by another origin. The tests send the
//! `Sec-Fetch-*` headers a browser would; reqwest sends none of its own, like curl.

use crate::common::{TestApp, spawn_app};
use crate::helpers::{
    BY_FETCH_METADATA, FormBody, alice_confirms, assert_executed, assert_refused, audit_log, confirm,
    get_confirm_with, read, submit_with,
};

const FRAMES: [&str; 4] = ["iframe", "frame", "embed", "object"];
const CONFIRM_QUERY: &[(&str, &str)] = &[("to", "bob"), ("amount", "10.00"), ("memo", "rent")];

/// A request a browser sends: method, path, its `Sec-Fetch-Dest` and `-Site`, and the status it
/// gets while Fetch Metadata is on.
struct Probe {
    method: &'static str,
    path: &'static str,
    dest: &'static str,
    site: &'static str,
    status_when_on: u16,
}

/// The framed page loads, state changes and asset loads this module checks.
fn requests() -> Vec<Probe> {
    let probe = |method, path, dest, site, status_when_on| Probe { method, path, dest, site, status_when_on };
    let confirm = "/transfer/confirm?to=bob&amount=10.00&memo=rent";
    vec![
        probe("GET", confirm, "iframe", "cross-site", 403),
        probe("GET", confirm, "iframe", "same-site", 403),
        probe("GET", confirm, "iframe", "same-origin", 200),
        probe("GET", confirm, "document", "cross-site", 200),
        probe("GET", "/static/css/bank.css", "iframe", "cross-site", 200),
        probe("POST", "/transfer", "iframe", "same-origin", 403),
        probe("POST", "/transfer", "document", "same-origin", 303),
    ]
}

fn expected_when_on() -> Vec<u16> {
    requests().iter().map(|p| p.status_when_on).collect()
}

/// Sends each of [`requests`]; a POST submits a freshly rendered confirmation form.
async fn statuses(app: &TestApp) -> Vec<u16> {
    let client = app.client_as("alice");
    let mut statuses = Vec::new();
    for Probe { method, path, dest, site, .. } in requests() {
        let headers = [("Sec-Fetch-Dest", dest), ("Sec-Fetch-Site", site)];
        let response = if method == "GET" {
            let request = client.get(app.url(path));
            headers.iter().fold(request, |r, (name, value)| r.header(*name, *value)).send().await.unwrap()
        } else {
            let confirmation = confirm(app, &client, "bob", "10.00", "rent").await;
            submit_with(app, &client, path, &confirmation.form, &headers).await
        };
        let status = response.status().as_u16();
        assert!(status < 500, "{method} {path} {headers:?}: {status}");
        statuses.push(status);
    }
    statuses
}

#[tokio::test]
async fn a_transfer_posted_from_a_frame_is_refused_and_audited_as_fetch_metadata() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    for dest in FRAMES {
        // Origin and token are the bank's own: only Fetch Metadata can tell this came from a frame.
        let headers =
            [("Sec-Fetch-Dest", dest), ("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Mode", "navigate")];

        let response = submit_with(&app, &client, "/transfer", &confirmation.form, &headers).await;

        let named = format!("Sec-Fetch-Dest is \"{dest}\"");
        assert_refused(&app, response, BY_FETCH_METADATA, &[&named]).await;
    }
    let log = audit_log(&app).await;
    assert_eq!(log.len(), FRAMES.len(), "{log:#?}");
    for ((method, path, decided_by, reason, status), dest) in log.iter().zip(FRAMES) {
        assert_eq!((method.as_str(), path.as_str()), ("POST", "/transfer"));
        assert_eq!((decided_by.as_str(), *status), ("fetch-metadata", 403), "{reason}");
        assert!(reason.contains(&format!("\"{dest}\"")) && reason.contains("inside a frame"), "{reason}");
    }
}

#[tokio::test]
async fn a_transfer_posted_from_a_top_level_page_is_allowed() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let headers =
        [("Sec-Fetch-Dest", "document"), ("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Mode", "navigate")];

    let response = submit_with(&app, &client, "/transfer", &confirmation.form, &headers).await;

    assert_executed(&app, "Sec-Fetch-Dest: document", response).await;
    let log = audit_log(&app).await;
    assert_eq!(log.len(), 1, "{log:#?}");
    assert_eq!((log[0].2.as_str(), log[0].4), ("bank", 303));
}

#[tokio::test]
async fn a_transfer_without_sec_fetch_headers_passes_as_curl_and_old_browsers_do() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;

    let response = submit_with(&app, &client, "/transfer", &confirmation.form, &[]).await;

    assert_executed(&app, "no Sec-Fetch-* headers", response).await;
    let checks: (String,) = app.fetch_one("SELECT checks FROM audit_events").await;
    assert!(checks.0.contains("fetch-metadata passed: no Sec-Fetch-Dest header"), "{}", checks.0);
}

#[tokio::test]
async fn a_framed_load_of_the_confirmation_page_by_another_origin_is_refused() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    for site in ["cross-site", "same-site"] {
        let headers =
            [("Sec-Fetch-Dest", "iframe"), ("Sec-Fetch-Site", site), ("Sec-Fetch-Mode", "navigate")];

        let response = get_confirm_with(&app, &client, CONFIRM_QUERY, &headers).await;

        let named = format!("(Sec-Fetch-Site: {site})");
        assert_refused(&app, response, BY_FETCH_METADATA, &[&named]).await;
    }
    assert!(app.lab.renders.is_empty(), "the refused pages were never rendered, so the lab saw none");
}

#[tokio::test]
async fn a_refused_framed_load_leaves_an_audit_row_and_a_served_page_none() {
    // Arrange: attack 1 under the defaults, as Chromium sends it (BROWSER.md): the framed GET of
    // the confirmation page carries the certificate, no Origin, the attacker as Referer.
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let referer = format!("{}/attacks/basic.html", app.sites.cross_site);
    let framed = [
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Mode", "navigate"),
        ("Sec-Fetch-Dest", "iframe"),
        ("Referer", referer.as_str()),
    ];
    let top_level =
        [("Sec-Fetch-Site", "none"), ("Sec-Fetch-Mode", "navigate"), ("Sec-Fetch-Dest", "document")];

    // Act
    let (refused, _) = read(get_confirm_with(&app, &client, CONFIRM_QUERY, &framed).await).await;
    let (served, page) = read(get_confirm_with(&app, &client, CONFIRM_QUERY, &top_level).await).await;

    // Assert: one row, for the refusal; the served page wrote nothing.
    assert_eq!((refused, served), (403, 200), "{page}");
    type Row = (String, String, String, String, String, Option<String>, Option<String>, i64, Option<String>);
    let rows: Vec<Row> = app
        .fetch_all(
            "SELECT method, path, decision, decided_by, reason, username, cert_cn, status, referer \
             FROM audit_events ORDER BY id",
        )
        .await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let (method, path, decision, decided_by, reason, username, cert_cn, status, logged_referer) = &rows[0];
    assert_eq!(
        (method.as_str(), decision.as_str(), decided_by.as_str(), *status),
        ("GET", "refused", "fetch-metadata", 403)
    );
    assert!(path.starts_with("/transfer/confirm?to=bob"), "{path}");
    assert!(
        reason.contains("Sec-Fetch-Dest: iframe") && reason.contains("Sec-Fetch-Site: cross-site"),
        "{reason}"
    );
    assert_eq!(
        (username.as_deref(), cert_cn.as_deref()),
        (Some("alice"), Some("alice")),
        "the certificate came along"
    );
    assert_eq!(logged_referer.as_deref(), Some(referer.as_str()));
    let audit_page = read(client.get(app.url("/audit")).send().await.unwrap()).await.1;
    assert!(audit_page.contains("/transfer/confirm?to=bob"), "shown on the audit page: {audit_page}");
}

#[tokio::test]
async fn a_framed_load_by_the_bank_itself_is_shown() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let headers = [("Sec-Fetch-Dest", "iframe"), ("Sec-Fetch-Site", "same-origin")];

    let (status, page) = read(get_confirm_with(&app, &client, CONFIRM_QUERY, &headers).await).await;

    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"confirm-transfer\""), "{page}");
}

#[tokio::test]
async fn a_top_level_load_from_a_link_on_another_site_is_shown() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let headers =
        [("Sec-Fetch-Dest", "document"), ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "navigate")];

    let (status, page) = read(get_confirm_with(&app, &client, CONFIRM_QUERY, &headers).await).await;

    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"confirm-transfer\""), "{page}");
}

#[tokio::test]
async fn static_assets_load_in_any_frame() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");

    let response = client
        .get(app.url("/static/css/bank.css"))
        .header("Sec-Fetch-Dest", "iframe")
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();

    let (status, body) = read(response).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.is_empty());
}

#[tokio::test]
async fn with_fetch_metadata_on_each_request_gets_its_status() {
    let app = spawn_app(&[]).await;

    let got = statuses(&app).await;

    assert_eq!(got, expected_when_on());
}

#[tokio::test]
async fn with_lab_fetch_metadata_off_everything_passes() {
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;

    let got = statuses(&app).await;

    assert_eq!(got, [200, 200, 200, 200, 200, 303, 303]);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 2);
    let framed: (String, String) =
        app.fetch_one("SELECT decided_by, checks FROM audit_events WHERE sec_fetch_dest = 'iframe'").await;
    assert_eq!(framed.0, "bank");
    assert!(framed.1.contains("fetch-metadata off (LAB_FETCH_METADATA=off)"), "{}", framed.1);
}

#[tokio::test]
async fn the_protections_off_preset_switches_fetch_metadata_off() {
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;

    let got = statuses(&app).await;

    assert_eq!(got, [200, 200, 200, 200, 200, 303, 303]);
}

#[tokio::test]
async fn lab_fetch_metadata_on_overrides_the_protections_off_preset() {
    // Frame headers, origin check and token all off: Fetch Metadata alone stops the framed click.
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_FETCH_METADATA", "on")]).await;

    let got = statuses(&app).await;

    assert_eq!(got, expected_when_on());
    let (.., decided_by, _, status) = &audit_log(&app).await[0];
    assert_eq!((decided_by.as_str(), *status), ("fetch-metadata", 403));
}

#[tokio::test]
async fn even_an_allowlisted_framer_is_refused_while_fetch_metadata_is_on() {
    // Sec-Fetch-Site says only "cross-site", never which site: the bank cannot tell a partner
    // listed in LAB_FRAME_ANCESTORS from an attacker, so the frame rule refuses both.
    let app = spawn_app(&[("LAB_FRAME", "allowlist"), ("LAB_FRAME_ANCESTORS", "https://partner.test")]).await;
    let client = app.client_as("alice");
    let headers = [("Sec-Fetch-Dest", "iframe"), ("Sec-Fetch-Site", "cross-site")];

    let response = get_confirm_with(&app, &client, CONFIRM_QUERY, &headers).await;

    assert_refused(&app, response, BY_FETCH_METADATA, &["(Sec-Fetch-Site: cross-site)"]).await;
}

#[tokio::test]
async fn odd_sec_fetch_values_are_judged_without_a_server_error() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let odd: [&[u8]; 5] = [b"", b"IFRAME", b"iframe, iframe", b"\xff\xfe", b"document\tiframe"];
    for value in odd {
        let value = reqwest::header::HeaderValue::from_bytes(value).unwrap();

        let get = client
            .get(app.url("/transfer/confirm?to=bob&amount=1.00"))
            .header("Sec-Fetch-Dest", value.clone())
            .header("Sec-Fetch-Site", value.clone())
            .send()
            .await
            .unwrap();
        let post = client
            .post(app.url("/transfer"))
            .header("Origin", app.sites.bank.as_str())
            .header("Sec-Fetch-Dest", value.clone())
            .form_body(&confirmation.form)
            .send()
            .await
            .unwrap();

        assert!(get.status().as_u16() < 500, "{value:?}: {}", get.status());
        assert!(post.status().as_u16() < 500, "{value:?}: {}", post.status());
    }
}

#[tokio::test]
async fn the_footer_shows_lab_fetch_metadata() {
    for (vars, shown) in [
        (&[][..], "<span class=\"flag on\">LAB_FETCH_METADATA=on</span>"),
        (&[("LAB_FETCH_METADATA", "off")][..], "<span class=\"flag off\">LAB_FETCH_METADATA=off</span>"),
    ] {
        let app = spawn_app(vars).await;
        let client = app.client_as("alice");

        let (status, page) = read(client.get(app.url("/")).send().await.unwrap()).await;

        assert_eq!(status, 200);
        assert!(page.contains(shown), "{vars:?}: {shown:?} not in {page}");
    }
}
