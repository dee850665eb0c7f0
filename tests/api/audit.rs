//! The audit log: what the bank saw for an allowed transfer and for refused ones, in the
//! `audit_events` table and on the `/audit` page.

use clickjack_lab::audit::AuditEvent;
use reqwest::Client;

use crate::common::{TestApp, spawn_app};
use crate::helpers::{Confirmation, FormBody, confirm, escape, read};

/// SHA-256 of a PEM certificate's DER, as `AB:CD:...`, computed here rather than by the bank.
fn fingerprint(cert_pem: &str) -> String {
    let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes()).expect("a PEM certificate");
    let digest = ring::digest::digest(&ring::digest::SHA256, &pem.contents);
    digest.as_ref().iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// Posts the form with these headers, as a browser would send them.
async fn post(
    app: &TestApp,
    client: &Client,
    c: &Confirmation,
    token: &str,
    headers: &[(&str, &str)],
) -> u16 {
    let mut request = client.post(app.url("/transfer")).form_body(&c.form.clone().with("csrf_token", token));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn events(app: &TestApp) -> Vec<AuditEvent> {
    app.fetch_all(
        "SELECT at, username, cert_cn, cert_fingerprint, method, path, origin, referer, sec_fetch_site, \
         sec_fetch_mode, sec_fetch_dest, decision, decided_by, reason, checks, status \
         FROM audit_events ORDER BY id",
    )
    .await
}

fn by<'a>(events: &'a [AuditEvent], decided_by: &str) -> &'a AuditEvent {
    let mut found = events.iter().filter(|e| e.decided_by == decided_by);
    let event = found.next().unwrap_or_else(|| panic!("no event decided by {decided_by}: {events:#?}"));
    assert!(found.next().is_none(), "one event decided by {decided_by}");
    event
}

#[tokio::test]
async fn allowed_and_refused_transfers_are_recorded_with_the_headers_and_identity_the_bank_saw() {
    // Arrange
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let expected_fingerprint = fingerprint(&app.user_cert("alice").cert_pem);
    let confirmation = confirm(&app, &client, "bob", "10.00", "audited").await;
    let token = confirmation.csrf_token().unwrap().to_owned();
    let referer = app.url("/transfer/confirm?to=bob&amount=10.00&memo=audited");
    let attacker_page = format!("{}/basic.html", app.sites.cross_site);

    // Act: a click on the bank's own page, a cross-site form, and a same-origin forgery.
    let allowed = post(
        &app,
        &client,
        &confirmation,
        &token,
        &[
            ("Origin", app.sites.bank.as_str()),
            ("Referer", &referer),
            ("Sec-Fetch-Site", "same-origin"),
            ("Sec-Fetch-Mode", "navigate"),
            ("Sec-Fetch-Dest", "document"),
        ],
    )
    .await;
    let cross_site = post(
        &app,
        &client,
        &confirmation,
        &token,
        &[
            ("Origin", app.sites.cross_site.as_str()),
            ("Referer", &attacker_page),
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Mode", "navigate"),
            ("Sec-Fetch-Dest", "iframe"),
        ],
    )
    .await;
    let forged = post(
        &app,
        &client,
        &confirmation,
        "0000",
        &[
            ("Origin", app.sites.bank.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
            ("Sec-Fetch-Mode", "cors"),
            ("Sec-Fetch-Dest", "empty"),
        ],
    )
    .await;
    assert_eq!((allowed, cross_site, forged), (303, 403, 403));

    // Assert: the table.
    let events = events(&app).await;
    assert_eq!(events.len(), 3, "only state-changing requests are recorded: {events:#?}");
    for e in &events {
        assert_eq!((e.request.method.as_str(), e.request.path.as_str()), ("POST", "/transfer"));
        assert_eq!(e.username.as_deref(), Some("alice"));
        assert_eq!(e.cert_cn.as_deref(), Some("alice"));
        assert_eq!(e.cert_fingerprint.as_deref(), Some(expected_fingerprint.as_str()));
    }

    let e = by(&events, "bank");
    assert_eq!((e.decision.as_str(), e.status), ("allowed", 303));
    assert_eq!(e.request.origin.as_deref(), Some(app.sites.bank.as_str()));
    assert_eq!(e.request.referer.as_deref(), Some(referer.as_str()));
    assert_eq!(e.request.sec_fetch_site.as_deref(), Some("same-origin"));
    assert_eq!(e.request.sec_fetch_mode.as_deref(), Some("navigate"));
    assert_eq!(e.request.sec_fetch_dest.as_deref(), Some("document"));
    assert!(e.reason.contains("moved 10.00 from alice to bob"), "{}", e.reason);
    assert!(
        e.checks.contains("origin-check passed") && e.checks.contains("csrf-token passed"),
        "{}",
        e.checks
    );

    let e = by(&events, "origin-check");
    assert_eq!((e.decision.as_str(), e.status), ("refused", 403));
    assert_eq!(e.request.origin.as_deref(), Some(app.sites.cross_site.as_str()));
    assert_eq!(e.request.referer.as_deref(), Some(attacker_page.as_str()));
    assert_eq!(e.request.sec_fetch_site.as_deref(), Some("cross-site"));
    assert_eq!(e.request.sec_fetch_mode.as_deref(), Some("navigate"));
    assert_eq!(e.request.sec_fetch_dest.as_deref(), Some("iframe"));
    assert!(e.reason.contains(&format!("\"{}\"", app.sites.cross_site)), "{}", e.reason);
    assert!(e.checks.contains("origin-check refused"), "{}", e.checks);

    let e = by(&events, "csrf-token");
    assert_eq!((e.decision.as_str(), e.status), ("refused", 403));
    assert_eq!(
        (e.request.origin.as_deref(), e.request.referer.as_deref()),
        (Some(app.sites.bank.as_str()), None)
    );
    assert_eq!(e.request.sec_fetch_mode.as_deref(), Some("cors"));
    assert_eq!(e.request.sec_fetch_dest.as_deref(), Some("empty"));
    assert!(e.reason.contains("does not match"), "{}", e.reason);
    assert!(
        e.checks.contains("origin-check passed") && e.checks.contains("csrf-token refused"),
        "{}",
        e.checks
    );

    // Assert: the page.
    let (status, page) = read(client.get(app.url("/audit")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    for shown in [
        "<strong>allowed</strong> by bank · 303".to_owned(),
        "<strong>refused</strong> by origin-check · 403".to_owned(),
        "<strong>refused</strong> by csrf-token · 403".to_owned(),
        format!("Origin: {}", app.sites.cross_site),
        format!("Referer: {}", escape(&referer)),
        "Sec-Fetch-Site: cross-site".to_owned(),
        "Sec-Fetch-Dest: iframe".to_owned(),
        "Sec-Fetch-Mode: cors".to_owned(),
        "cert CN: alice".to_owned(),
        expected_fingerprint.clone(),
        "<code>POST /transfer</code>".to_owned(),
    ] {
        assert!(page.contains(&shown), "{shown:?} not on the audit page: {page}");
    }
}

#[tokio::test]
async fn the_audit_page_needs_a_signed_in_user() {
    let app = spawn_app(&[("LAB_MTLS", "off")]).await;

    let response = app.client(None).get(app.url("/audit")).send().await.unwrap();

    assert_eq!(response.status(), 401);
}
