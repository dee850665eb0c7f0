//! The methods the bank answers (GET, HEAD, POST; 405 with `Allow` for the rest, at once and with
//! the connection closed) and the deadline on a request body, spoken by hand over the bank's TLS.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clickjack_lab::web::methods::{BODY_TIMEOUT, METHOD_CAP};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::common::{TestApp, spawn_app};

/// A TLS connection to the bank presenting alice's certificate.
async fn connect(app: &TestApp) -> TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(app.certs.join("ca.crt")).unwrap()).unwrap();
    let cert = app.user_cert("alice");
    let chain = vec![CertificateDer::from_pem_slice(cert.cert_pem.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(cert.key_pem.as_bytes()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(clickjack_lab::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", app.sites.bank.port())).await.unwrap();
    let connector = TlsConnector::from(Arc::new(config));
    connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap()
}

/// Everything the bank sends until it closes the connection (or `patience` runs out: `None`).
async fn read_until_closed(tls: &mut TlsStream<TcpStream>, patience: Duration) -> Option<String> {
    let mut raw = Vec::new();
    match tokio::time::timeout(patience, tls.read_to_end(&mut raw)).await {
        Err(_) => None,
        // The answer is complete; only the closing alert may be missing.
        Ok(_) => Some(String::from_utf8_lossy(&raw).into_owned()),
    }
}

/// Sends `request` on a new connection; the whole answer, once the bank closed the connection.
async fn exchange(app: &TestApp, request: &str) -> String {
    let mut tls = connect(app).await;
    tls.write_all(request.as_bytes()).await.unwrap();
    read_until_closed(&mut tls, Duration::from_secs(5)).await.expect("the bank answers and closes")
}

fn status(answer: &str) -> u16 {
    answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("a status line: {answer}"))
}

fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    let head = answer.split("\r\n\r\n").next()?;
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

#[tokio::test]
async fn head_answers_what_get_answers_without_a_body() {
    // Arrange
    let app = spawn_app(&[]).await;

    // Act
    let get = exchange(&app, "GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;
    let head = exchange(&app, "HEAD /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;

    // Assert
    assert_eq!((status(&get), status(&head)), (200, 200), "{head}");
    assert_eq!(header(&head, "content-type"), header(&get, "content-type"));
    assert!(header(&head, "content-security-policy").is_some(), "HEAD gets GET's headers: {head}");
    let (_, body) = head.split_once("\r\n\r\n").unwrap();
    assert_eq!(body, "", "no body for HEAD");
}

#[tokio::test]
async fn other_methods_get_405_with_allow() {
    // Arrange
    let app = spawn_app(&[]).await;

    for method in ["PUT", "DELETE", "OPTIONS", "PATCH", "BREW"] {
        // Act
        let request = format!("{method} /transfer HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
        let answer = exchange(&app, &request).await;

        // Assert
        assert_eq!(status(&answer), 405, "{method}: {answer}");
        assert_eq!(header(&answer, "allow"), Some("GET, HEAD, POST"), "{method}");
    }
}

#[tokio::test]
async fn fifty_connects_are_answered_405_and_closed_at_once() {
    // Arrange
    let app = spawn_app(&[]).await;
    let mut connections = Vec::new();
    for _ in 0..50 {
        let mut tls = connect(&app).await;
        tls.write_all(b"CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n").await.unwrap();
        connections.push(tls);
    }
    let started = Instant::now();

    // Act
    let mut answers = Vec::new();
    for tls in &mut connections {
        answers.push(read_until_closed(tls, Duration::from_secs(5)).await);
    }

    // Assert
    let closed = answers.iter().filter(|a| a.as_deref().is_some_and(|a| status(a) == 405)).count();
    assert_eq!(closed, 50, "every CONNECT gets 405 and its connection closed: {:?}", answers[0]);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_ten_thousand_character_method_is_refused_and_its_row_stays_small() {
    // Arrange
    let app = spawn_app(&[]).await;
    let method = "X".repeat(10_000);

    // Act
    let answer = exchange(&app, &format!("{method} / HTTP/1.1\r\nHost: localhost\r\n\r\n")).await;

    // Assert
    assert!(matches!(status(&answer), 405 | 400), "{}", &answer[..answer.len().min(300)]);
    assert!(answer.len() < 2_000, "a small answer: {} bytes", answer.len());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let longest = app.count("SELECT COALESCE(MAX(LENGTH(method)), 0) FROM audit_events").await;
    assert!(longest <= (METHOD_CAP + 40) as i64, "the stored method is capped: {longest} characters");
}

#[tokio::test]
async fn a_body_that_dribbles_in_is_cut_off_with_408() {
    // Arrange
    let app = spawn_app(&[]).await;
    let tls = connect(&app).await;
    let (mut reader, mut writer) = tokio::io::split(tls);
    let head = "POST /transfer HTTP/1.1\r\nHost: localhost\r\nOrigin: https://localhost\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n";
    writer.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    // One byte a second: the body would take 100 s.
    let dribble = tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b"a").await.is_err() || writer.flush().await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });

    // Act
    let mut raw = Vec::new();
    let read =
        tokio::time::timeout(BODY_TIMEOUT + Duration::from_secs(5), reader.read_to_end(&mut raw)).await;

    // Assert
    dribble.abort();
    assert!(read.is_ok(), "the connection is closed within the timeout and a margin");
    let answer = String::from_utf8_lossy(&raw);
    assert_eq!(status(&answer), 408, "{answer}");
    assert!(started.elapsed() >= BODY_TIMEOUT - Duration::from_secs(1), "not before the deadline");
}
