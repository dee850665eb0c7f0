//! TLS sessions resume with client certificates, and revocation still holds: a resumed connection
//! signs in as the certificate its session was made with (rustls keeps the chain in the session),
//! and once that certificate is revoked, a resumed handshake (which runs no verifier) completes
//! but its request is refused by the per-request check, with an audit row.

use std::sync::Arc;
use std::time::Duration;

use clickjack_lab::pki::{CertInfo, pem_der};
use rustls::HandshakeKind;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::common::{ClientCert, TestApp, eventually, spawn_app};
use crate::helpers::{lab_binary, run_binary};

/// How long the bank may take to notice a changed `crl.pem` (it looks every 0.5 s).
const PATIENCE: Duration = Duration::from_secs(5);

/// A TLS client as a browser's: it trusts the lab CA, presents `cert` if given, and keeps the
/// sessions the bank gives it in memory (rustls's default) to resume them. No ALPN: HTTP/1.1.
fn resuming_client(app: &TestApp, cert: Option<&ClientCert>) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(app.certs.join("ca.crt")).unwrap()).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(clickjack_lab::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match cert {
        None => builder.with_no_client_auth(),
        Some(cert) => {
            let chain = vec![CertificateDer::from_pem_slice(cert.cert_pem.as_bytes()).unwrap()];
            let key = PrivateKeyDer::from_pem_slice(cert.key_pem.as_bytes()).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
    };
    TlsConnector::from(Arc::new(config))
}

/// One new connection: how its handshake went, and the bank's answer to `GET /api/me` on it.
#[derive(Debug)]
struct Answer {
    handshake: HandshakeKind,
    status: u16,
    body: Value,
}

/// Opens a connection with `client` and asks `GET /api/me` over it (HTTP/1.1, by hand). An error:
/// the handshake failed (under TLS 1.3 the client learns it on its first read).
async fn ask(app: &TestApp, client: &TlsConnector) -> std::io::Result<Answer> {
    let tcp = TcpStream::connect(("127.0.0.1", app.sites.bank.port())).await?;
    let mut tls = client.connect(ServerName::try_from("localhost").unwrap(), tcp).await?;
    let handshake = tls.get_ref().1.handshake_kind().expect("the handshake is over");
    tls.write_all(b"GET /api/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await?;
    let mut raw = Vec::new();
    match tls.read_to_end(&mut raw).await {
        Ok(_) => {}
        // The answer is complete; only the closing alert is missing.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => return Err(e),
    }
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("an HTTP answer: {text}"));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("a JSON body ({e}): {text}"));
    Ok(Answer { handshake, status, body })
}

fn fingerprint(cert: &ClientCert) -> String {
    CertInfo::from_der(&pem_der(&cert.cert_pem).unwrap()).unwrap().fingerprint
}

/// `clickjack-lab certs revoke <user>` on the running lab's files, as a trainer would.
async fn revoke(app: &TestApp, user: &str) {
    let mut command = lab_binary(app.dir(), &[]);
    command.args(["certs", "revoke", user]);
    let output = tokio::task::spawn_blocking(move || run_binary(command)).await.unwrap();
    assert!(output.status.success(), "certs revoke {user}: {output:?}");
}

#[tokio::test]
async fn a_resumed_session_signs_in_by_its_certificate_and_is_refused_once_that_is_revoked() {
    // Arrange: alice's client has connected once, and holds sessions to resume.
    let app = spawn_app(&[]).await;
    let alice = app.user_cert("alice");
    let client = resuming_client(&app, Some(&alice));
    let first = ask(&app, &client).await.expect("the first connection");
    assert_eq!((first.handshake, first.status), (HandshakeKind::Full, 200), "{first:?}");

    // Act
    let resumed = ask(&app, &client).await.expect("the second connection");

    // Assert: the session resumed, and the bank still knows whose certificate it was made with.
    assert_eq!(resumed.handshake, HandshakeKind::Resumed, "{resumed:?}");
    assert_eq!(resumed.status, 200, "{resumed:?}");
    assert_eq!(resumed.body["username"], "alice", "{resumed:?}");
    assert_eq!(resumed.body["signed_in_by"], "certificate", "{resumed:?}");
    assert_eq!(resumed.body["certificate"]["fingerprint"], fingerprint(&alice).as_str(), "{resumed:?}");

    // Act: revoke alice's certificate, and wait until a full handshake with it is refused.
    revoke(&app, "alice").await;
    let (app, alice) = (&app, &alice);
    eventually("a full handshake with the revoked certificate fails", PATIENCE, async || {
        ask(app, &resuming_client(app, Some(alice))).await.is_err().then_some(())
    })
    .await;
    let after = ask(app, &client).await.expect("a resumed handshake runs no verifier: it completes");

    // Assert: the session still resumes, but the request on it is refused, and audited.
    assert_eq!(after.handshake, HandshakeKind::Resumed, "{after:?}");
    assert_eq!(after.status, 403, "{after:?}");
    let error = after.body["error"].as_str().unwrap_or_default();
    assert!(error.contains("Your certificate was refused: revoked"), "{after:?}");
    let sql = format!(
        "SELECT path, reason, status FROM audit_events \
         WHERE decided_by = 'certificate-check' AND cert_fingerprint = '{}'",
        fingerprint(alice)
    );
    let rows: Vec<(String, String, i64)> = app.fetch_all(&sql).await;
    assert_eq!(rows.len(), 1, "one refused request, audited: {rows:?}");
    let (path, reason, status) = &rows[0];
    assert_eq!((path.as_str(), *status), ("/api/me", 403), "{rows:?}");
    assert!(reason.contains("no longer passes: revoked"), "{reason}");
}

#[tokio::test]
async fn in_optional_mode_a_session_resumes_with_the_certificate_it_was_made_with_or_none() {
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    let alice = app.user_cert("alice");
    for (cert, status, user) in [(None, 401, Value::Null), (Some(&alice), 200, "alice".into())] {
        // Arrange
        let client = resuming_client(&app, cert);
        let first = ask(&app, &client).await.expect("the first connection");
        assert_eq!(first.status, status, "{first:?}");

        // Act
        let resumed = ask(&app, &client).await.expect("the second connection");

        // Assert: no certificate gained, none lost.
        assert_eq!(resumed.handshake, HandshakeKind::Resumed, "{resumed:?}");
        assert_eq!((resumed.status, &resumed.body["username"]), (status, &user), "{resumed:?}");
    }
}
