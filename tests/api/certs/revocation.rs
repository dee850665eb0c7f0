//! Revocation applies to the running bank at once: new handshakes, resumed TLS sessions and
//! connections opened before it.

use super::{PATIENCE, api_me, assert_signs_in, cli_ok, handshake_audit};
use crate::common::{ClientCert, TestApp, eventually, spawn_app};

#[tokio::test]
async fn a_certificate_revoked_with_the_cli_is_refused_by_the_running_bank_within_seconds() {
    // Arrange
    let app = spawn_app(&[]).await;
    let alice = app.user_cert("alice");
    assert_signs_in(&app, &alice, "alice", "before the revocation").await;

    // Act
    let stdout = cli_ok(&app, &["certs", "revoke", "alice"]).await;

    // Assert: no restart, the bank re-reads certs/crl.pem.
    assert!(stdout.contains("revoked alice's certificate"), "{stdout}");
    let (app, alice) = (&app, &alice);
    let started = std::time::Instant::now();
    eventually("the revoked certificate's handshake fails", PATIENCE, async || {
        api_me(app, alice).await.no_answer().then_some(())
    })
    .await;
    let row = handshake_audit(app, alice, "revoked").await;
    assert!(row.reason.starts_with("revoked:"), "{row:?}");
    assert_eq!(row.cert_cn.as_deref(), Some("alice"), "{row:?}");
    assert_signs_in(app, &app.user_cert("bob"), "bob", "positive control: bob is not revoked").await;
    eprintln!("the revocation took effect after {:?}", started.elapsed());
}

#[tokio::test]
async fn after_revoke_and_reissue_the_new_certificate_signs_in_and_the_old_one_is_refused() {
    // Arrange
    let app = spawn_app(&[]).await;
    let old = app.user_cert("alice");
    assert_signs_in(&app, &old, "alice", "positive control: before the revocation").await;

    // Act
    cli_ok(&app, &["certs", "revoke", "alice"]).await;
    cli_ok(&app, &["certs", "issue", "alice", "--bind"]).await;

    // Assert
    let new = app.user_cert("alice");
    assert_signs_in(&app, &new, "alice", "the new certificate, at once").await;
    let (app, old) = (&app, &old);
    eventually("the revoked certificate's handshake fails", PATIENCE, async || {
        api_me(app, old).await.no_answer().then_some(())
    })
    .await;
    let row = handshake_audit(app, old, "revoked, then reissued").await;
    assert!(row.reason.starts_with("revoked:"), "{row:?}");
    assert_signs_in(app, &new, "alice", "the new certificate, once the new CRL is in force").await;
}

/// A client like a browser's: it keeps no idle connection (every request is a new handshake) but
/// resumes TLS sessions, as browsers do.
fn resuming_client(app: &TestApp, cert: &ClientCert) -> reqwest::Client {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(app.certs.join("ca.crt")).unwrap()).unwrap();
    let chain = vec![CertificateDer::from_pem_slice(cert.cert_pem.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(cert.key_pem.as_bytes()).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    // rustls resumes sessions by default (an in-memory cache), as browsers do.
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    crate::common::client_builder()
        .tls_backend_preconfigured(config)
        .resolve("localhost", std::net::SocketAddr::from(([127, 0, 0, 1], app.sites.bank.port())))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_revoked_certificate_is_refused_even_to_a_client_that_resumes_its_tls_session() {
    // Arrange: alice's browser has signed in once, and holds a session ticket.
    let app = spawn_app(&[]).await;
    let alice = app.user_cert("alice");
    let browser = resuming_client(&app, &alice);
    let before = browser.get(app.url("/api/me")).send().await.expect("signed in before").status();
    assert_eq!(before, 200);

    // Act: revoke, and wait until a full handshake is refused.
    cli_ok(&app, &["certs", "revoke", "alice"]).await;
    let (app, alice) = (&app, &alice);
    eventually("a full handshake with the revoked certificate fails", PATIENCE, async || {
        api_me(app, alice).await.no_answer().then_some(())
    })
    .await;

    // Assert: a new connection from the same browser resumes its session (a resumed handshake runs
    // no verifier), and the per-request check refuses its request.
    let after = browser.get(app.url("/api/me")).send().await.expect("the resumed handshake completes");
    assert_eq!(after.status(), 403, "the revoked certificate still signs in");
    let body: serde_json::Value = after.json().await.unwrap();
    let error = body["error"].as_str().unwrap_or_default();
    assert!(error.contains("Your certificate was refused: revoked"), "{error}");
}

#[tokio::test]
async fn a_connection_opened_before_the_revocation_is_refused_on_its_next_request() {
    // Arrange: alice's client keeps its connection open between requests, as a browser does.
    let app = spawn_app(&[]).await;
    let alice = app.user_cert("alice");
    let browser = app.client(Some(&alice));
    let before = browser.get(app.url("/api/me")).send().await.expect("signed in before");
    assert_eq!(before.status(), 200);
    before.bytes().await.unwrap();

    // Act: revoke; wait until a new connection is refused in its handshake.
    cli_ok(&app, &["certs", "revoke", "alice"]).await;
    let (app, alice) = (&app, &alice);
    eventually("a full handshake with the revoked certificate fails", PATIENCE, async || {
        api_me(app, alice).await.no_answer().then_some(())
    })
    .await;

    // Assert: the open connection's next request is refused by the per-request check, with the reason.
    let after = browser.get(app.url("/api/me")).send().await.expect("the open connection answers");
    assert_eq!(after.status(), 403);
    let body: serde_json::Value = after.json().await.unwrap();
    let error = body["error"].as_str().unwrap_or_default();
    assert!(error.contains("Your certificate was refused: revoked"), "{error}");
    let page = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 403);
    let rows = app.count("SELECT COUNT(*) FROM audit_events WHERE decided_by = 'certificate-check' AND reason LIKE '%revoked%'").await;
    assert!(rows >= 1, "the refusal is audited");
}
