//! HTTP/2: the bank offers `h2` and `http/1.1` by ALPN. Over h2 a certificate signs in exactly as
//! over HTTP/1.1, with the same protections. Without one, where one is required, an h2 connection
//! is answered `HTTP_1_1_REQUIRED` before any request and the refusal is logged; a client that
//! offers only HTTP/1.1 is refused in the handshake, as before. (Firefox needs the first: refused
//! in the handshake after it began HTTP/2, it shows no error page at all.)

use std::sync::Arc;

use std::time::Duration;

use rustls::HandshakeKind;
use rustls::pki_types::ServerName;
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::common::eventually;
use crate::handshake_log::{Identity, client_config, wait_for};
use crate::helpers::{lab_binary, run_binary};
use crate::startup::Started;

const H2: &[&[u8]] = &[b"h2", b"http/1.1"];

/// A client offering `protocols` by ALPN, with `identity` if given; it keeps the sessions the bank
/// gives it, to resume them.
fn client(dir: &TempDir, identity: Option<&Identity>, protocols: &[&[u8]]) -> TlsConnector {
    let mut config = Arc::unwrap_or_clone(client_config(dir.path(), identity));
    config.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(config))
}

/// A connection to the bank with `client`.
async fn open(lab: &Started, client: &TlsConnector) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(("127.0.0.1", lab.port("Bank"))).await?;
    client.connect(ServerName::try_from("localhost").unwrap(), tcp).await
}

/// A connection to the bank with a new client.
async fn connect(
    lab: &Started,
    dir: &TempDir,
    identity: Option<&Identity>,
    protocols: &[&[u8]],
) -> std::io::Result<TlsStream<TcpStream>> {
    open(lab, &client(dir, identity, protocols)).await
}

/// `GET path` over HTTP/2 on `tls`: the status, the headers and the body.
async fn get(tls: TlsStream<TcpStream>, path: &str) -> Result<(u16, http::HeaderMap, String), h2::Error> {
    let (client, connection) = h2::client::handshake(tls).await?;
    let driver = tokio::spawn(connection);
    let mut client = client.ready().await?;
    let request = http::Request::get(format!("https://localhost{path}")).body(()).unwrap();
    let (answer, _) = client.send_request(request, true)?;
    let answer = answer.await?;
    let (head, mut body) = answer.into_parts();
    let mut text = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk?;
        let _ = body.flow_control().release_capacity(chunk.len());
        text.extend_from_slice(&chunk);
    }
    drop(client);
    driver.abort();
    Ok((head.status.as_u16(), head.headers, String::from_utf8_lossy(&text).into_owned()))
}

fn alice(dir: &TempDir) -> Identity {
    let read = |ext: &str| std::fs::read_to_string(dir.path().join(format!("certs/alice.{ext}"))).unwrap();
    Identity { cert: read("crt"), key: read("key") }
}

#[tokio::test]
async fn over_h2_a_certificate_signs_in_and_every_protection_answers_as_over_http1() {
    let dir = TempDir::new().unwrap();
    let lab = Started::run(dir.path(), &[]);
    let alice = alice(&dir);

    let tls = connect(&lab, &dir, Some(&alice), H2).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]), "the bank chose h2");
    let (status, _, me) = get(tls, "/api/me").await.unwrap();
    assert_eq!(status, 200, "{me}");
    assert!(me.contains("\"alice\"") && me.contains("certificate"), "signed in by certificate: {me}");

    let tls = connect(&lab, &dir, Some(&alice), H2).await.unwrap();
    let (status, headers, page) = get(tls, "/transfer/confirm?to=bob&amount=1.00").await.unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("name=\"csrf_token\""), "the confirmation form: {page}");
    assert_eq!(headers["x-frame-options"], "DENY");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");

    // A client that offers only HTTP/1.1 still gets it.
    let tls = connect(&lab, &dir, Some(&alice), &[b"http/1.1"]).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
}

#[tokio::test]
async fn without_a_certificate_h2_is_told_http_1_1_required_and_http1_is_refused_in_the_handshake() {
    let dir = TempDir::new().unwrap();
    let lab = Started::run(dir.path(), &[]);

    // h2 offered: the handshake completes, and the first request meets the GOAWAY.
    let tls = connect(&lab, &dir, None, H2).await.expect("the TLS handshake completes");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let error = get(tls, "/api/me").await.expect_err("nothing is served");
    assert_eq!(error.reason(), Some(h2::Reason::HTTP_1_1_REQUIRED), "{error}");
    assert!(error.is_go_away() && error.is_remote(), "{error}");

    // The retry a browser makes, offering HTTP/1.1 only: refused in the handshake (under TLS 1.3
    // the client learns it on its first read).
    let refused = async {
        let mut tls = connect(&lab, &dir, None, &[b"http/1.1"]).await?;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        tls.write_all(b"GET /api/me HTTP/1.1\r\nHost: localhost\r\n\r\n").await?;
        let mut byte = [0; 1];
        tls.read(&mut byte).await
    };
    let error = refused.await.expect_err("refused");
    assert!(error.to_string().contains("CertificateRequired"), "{error}");

    // Both are logged as the refusal they are.
    let refusals = |log: &str| {
        log.lines()
            .filter(|l| l.contains("refused a TLS handshake") && l.contains("no client certificate"))
            .count()
    };
    let log = wait_for(&lab, "two refusals", |log| refusals(log) >= 2).await;
    assert_eq!(refusals(&log), 2, "{log}");
}

#[tokio::test]
async fn in_optional_mode_h2_without_a_certificate_is_served_as_a_visitor() {
    let dir = TempDir::new().unwrap();
    let lab = Started::run(dir.path(), &[("LAB_MTLS", "optional")]);

    let tls = connect(&lab, &dir, None, H2).await.unwrap();
    let (status, _, body) = get(tls, "/api/me").await.unwrap();
    assert_eq!(status, 401, "no one is signed in: {body}");
}

#[tokio::test]
async fn over_h2_a_resumed_session_signs_in_and_is_refused_once_its_certificate_is_revoked() {
    // Arrange: alice's client has connected once over h2, and holds sessions to resume.
    let dir = TempDir::new().unwrap();
    let lab = Started::run(dir.path(), &[]);
    let alice = alice(&dir);
    let resuming = client(&dir, Some(&alice), H2);
    let first = open(&lab, &resuming).await.unwrap();
    assert_eq!(first.get_ref().1.handshake_kind(), Some(HandshakeKind::Full));
    assert_eq!(get(first, "/api/me").await.unwrap().0, 200);

    let resumed = open(&lab, &resuming).await.unwrap();
    assert_eq!(resumed.get_ref().1.handshake_kind(), Some(HandshakeKind::Resumed));
    let (status, _, me) = get(resumed, "/api/me").await.unwrap();
    assert_eq!(status, 200, "{me}");
    assert!(me.contains("\"alice\""), "the session keeps whose certificate it was: {me}");

    // Act: revoke alice's certificate, and wait until a full handshake with it is refused.
    let mut revoke = lab_binary(dir.path(), &[]);
    revoke.args(["certs", "revoke", "alice"]);
    let output = tokio::task::spawn_blocking(move || run_binary(revoke)).await.unwrap();
    assert!(output.status.success(), "certs revoke alice: {output:?}");
    let (lab, dir_, alice_) = (&lab, &dir, &alice);
    eventually("a full handshake with the revoked certificate fails", Duration::from_secs(5), async || {
        let fresh = connect(lab, dir_, Some(alice_), H2).await;
        let refused = match fresh {
            Err(_) => true,
            Ok(tls) => get(tls, "/api/me").await.is_err(),
        };
        refused.then_some(())
    })
    .await;
    let after = open(lab, &resuming).await.expect("a resumed handshake runs no verifier: it completes");

    // Assert: the session still resumes over h2, but its request is refused.
    assert_eq!(after.get_ref().1.handshake_kind(), Some(HandshakeKind::Resumed));
    let (status, _, body) = get(after, "/api/me").await.unwrap();
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Your certificate was refused: revoked"), "{body}");
}
