//! Hostile input that costs nothing to send costs the bank little to refuse: values are capped
//! (256 bytes, marked) where they are stored and echoed, repeated refusals from one source
//! collapse into one row with a count, and the audit table is trimmed to its cap.

use std::time::Duration;

use crate::common::{eventually, spawn_app};
use crate::handshake_log::{Identity, client_config, handshake};
use crate::helpers::{Form, FormBody, read};

/// A self-signed client certificate whose CN is `cn`.
fn self_signed(cn: &str) -> Identity {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, cn);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Identity { cert: cert.pem(), key: key.serialize_pem() }
}

/// Rows and stored bytes of the audit table, and the repeats its rows count.
async fn table(app: &crate::common::TestApp, filter: &str) -> (i64, i64, i64) {
    app.fetch_one(&format!(
        "SELECT COUNT(*), COALESCE(SUM(length(coalesce(cert_cn, '')) + length(reason) + length(path) + \
         length(coalesce(origin, ''))), 0), COALESCE(SUM(repeats), 0) FROM audit_events WHERE {filter}"
    ))
    .await
}

#[tokio::test]
async fn a_flood_of_self_signed_handshakes_with_a_huge_cn_leaves_one_small_row_with_a_count() {
    // Arrange
    let app = spawn_app(&[]).await;
    let (port, dir) = (app.sites.bank.port(), app.dir().to_owned());
    const FLOOD: i64 = 200;

    // Act: the same 15,000-character-CN certificate, offered again and again.
    tokio::task::spawn_blocking(move || {
        let config = client_config(&dir, Some(&self_signed(&"A".repeat(15_000))));
        for _ in 0..FLOOD {
            handshake(port, config.clone(), false);
        }
    })
    .await
    .unwrap();

    // Assert: every refusal counted, in one row, its CN cut and marked.
    let tls = "method = 'TLS'";
    eventually("every refusal counted", Duration::from_secs(10), async || {
        (table(&app, tls).await.2 == FLOOD).then_some(())
    })
    .await;
    let (rows, bytes, repeats) = table(&app, tls).await;
    assert_eq!((rows, repeats), (1, FLOOD), "collapsed into one row");
    assert!(bytes < 2_000, "{bytes} bytes stored for {FLOOD} refusals");
    let (cn,): (String,) = app.fetch_one("SELECT cert_cn FROM audit_events WHERE method = 'TLS'").await;
    assert!(cn.ends_with("…[truncated, 15000 bytes]") && cn.len() < 300, "{cn}");
}

#[tokio::test]
async fn a_110_kb_origin_gets_a_small_403_and_repeats_of_it_one_bounded_row() {
    // Arrange
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    let client = app.client(None);
    let origin = format!("https://{}.test", "o".repeat(110_000));

    // Act
    let mut answers = Vec::new();
    for _ in 0..5 {
        let response = client
            .post(app.url("/transfer"))
            .header("Origin", &origin)
            .form_body(&Form::new(&[("to", "bob"), ("amount", "1.00")]))
            .send()
            .await
            .unwrap();
        answers.push(read(response).await);
    }

    // Assert: the page names the value cut and marked; one row counts the five.
    let (status, page) = &answers[0];
    assert_eq!(*status, 403);
    assert!(page.len() < 8_000, "a {} byte answer", page.len());
    assert!(page.contains("[truncated, 110013 bytes]"), "{page}");
    let (rows, bytes, repeats) = table(&app, "path = '/transfer'").await;
    assert_eq!((rows, repeats), (1, 5));
    assert!(bytes < 4_000, "{bytes} bytes stored");
}

#[tokio::test]
async fn a_flood_of_csp_reports_leaves_one_row_with_a_count() {
    // Arrange
    let app = spawn_app(&[("LAB_FRAME", "report-only")]).await;
    let client = app.client_as("alice");
    let long = "x".repeat(5_000);
    let report = serde_json::json!({ "csp-report": { "violated-directive": "frame-ancestors", "document-uri": long } });
    const FLOOD: i64 = 300;

    // Act
    for _ in 0..FLOOD {
        let response = client
            .post(app.url("/csp-report"))
            .header("Content-Type", "application/csp-report")
            .body(report.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }

    // Assert
    let (rows, bytes, repeats) = table(&app, "path = '/csp-report'").await;
    assert_eq!((rows, repeats), (1, FLOOD));
    assert!(bytes < 3_000, "{bytes} bytes stored");
}

#[tokio::test]
async fn beyond_its_cap_the_audit_log_trims_the_oldest_rows_and_records_the_trim() {
    // Arrange: refusals that do not collapse (each its own path).
    let app = spawn_app(&[("LAB_AUDIT_MAX_ROWS", "100")]).await;
    let client = app.client_as("alice");

    // Act
    for i in 0..300 {
        client.post(app.url(&format!("/nowhere/{i}"))).send().await.unwrap();
    }

    // Assert: the oldest went, the newest stay, and the trim is a row of its own.
    let trims = "reason LIKE 'trimmed % oldest rows%'";
    eventually("a trim", Duration::from_secs(10), async || (table(&app, trims).await.0 > 0).then_some(()))
        .await;
    let rows = app.count("SELECT COUNT(*) FROM audit_events").await;
    assert!(rows <= 100 + 64, "{rows} rows");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE path = '/nowhere/0'").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE path = '/nowhere/299'").await, 1);
}

#[tokio::test]
async fn the_audit_page_filters_refusals_allowed_requests_and_users() {
    // Arrange: a refusal by bob (no Origin), and one by alice.
    let app = spawn_app(&[]).await;
    let (alice, bob) = (app.client_as("alice"), app.client_as("bob"));
    bob.post(app.url("/transfer")).form_body(&Form::new(&[("to", "alice")])).send().await.unwrap();
    alice.post(app.url("/transfer")).form_body(&Form::new(&[("to", "bob")])).send().await.unwrap();

    // Act
    let page = |query: &'static str| {
        let alice = alice.clone();
        let url = app.url(&format!("/audit{query}"));
        async move { read(alice.get(url).send().await.unwrap()).await }
    };
    let (all, refusals, allowed, bobs) =
        (page("").await, page("?show=refusals").await, page("?show=allowed").await, page("?user=bob").await);

    // Assert
    let rows = |html: &str| html.matches("<tr class=").count();
    assert_eq!((all.0, rows(&all.1)), (200, 2), "{}", all.1);
    assert_eq!(rows(&refusals.1), 2, "{}", refusals.1);
    assert_eq!(rows(&allowed.1), 0, "{}", allowed.1);
    assert_eq!(rows(&bobs.1), 1, "{}", bobs.1);
    assert!(bobs.1.contains("href=\"/audit?user=bob\""), "a user's name links to their rows");
    assert!(all.1.contains("href=\"/audit?show=refusals\""), "the filters are links");
}
