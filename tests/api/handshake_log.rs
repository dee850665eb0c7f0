//! The bank's log of refused TLS handshakes, read from the real binary's stderr: one line per
//! refusal with the peer's address and the reason, bounded under a flood; a client that hangs up
//! mid-handshake (as Chromium does while it chooses a certificate) is not a refusal.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clickjack_lab::pki::{Pki, Validity};
use clickjack_lab::tls::refusals::PER_SECOND;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tempfile::TempDir;

use crate::startup::Started;

const REFUSED: &str = "refused a TLS handshake from ";

/// A client certificate and key, PEM.
pub(crate) struct Identity {
    pub cert: String,
    pub key: String,
}

/// A TLS client trusting the lab CA in `dir`, presenting `identity` if given.
pub(crate) fn client_config(dir: &std::path::Path, identity: Option<&Identity>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(dir.join("certs/ca.crt")).unwrap() {
        roots.add(ca.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(clickjack_lab::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    Arc::new(match identity {
        None => builder.with_no_client_auth(),
        Some(id) => {
            let certs = CertificateDer::pem_slice_iter(id.cert.as_bytes()).map(Result::unwrap).collect();
            builder
                .with_client_auth_cert(certs, PrivateKeyDer::from_pem_slice(id.key.as_bytes()).unwrap())
                .unwrap()
        }
    })
}

/// One handshake with the bank; with `abandon`, the client hangs up once it has read the server's
/// flight (its certificate request), before answering it. Returns the client's own address.
pub(crate) fn handshake(port: u16, config: Arc<rustls::ClientConfig>, abandon: bool) -> SocketAddr {
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let local = sock.local_addr().unwrap();
    let mut conn = rustls::ClientConnection::new(config, ServerName::try_from("localhost").unwrap()).unwrap();
    if abandon {
        conn.write_tls(&mut sock).unwrap();
        while !conn.wants_write() {
            if conn.read_tls(&mut sock).unwrap_or(0) == 0 {
                break;
            }
            conn.process_new_packets().unwrap();
        }
        return local; // dropped without a word
    }
    let _ = conn.complete_io(&mut sock);
    // The server's verdict (an alert, or nothing) arrives after the client's last flight.
    let _ = conn.complete_io(&mut sock);
    let mut byte = [0u8; 1];
    let _ = conn.reader().read(&mut byte);
    let _ = sock.flush();
    local
}

fn refusal_lines(log: &str) -> Vec<String> {
    log.lines().filter(|l| l.contains(REFUSED)).map(str::to_owned).collect()
}

pub(crate) async fn wait_for(lab: &Started, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = lab.log();
        if done(&log) {
            return log;
        }
        assert!(Instant::now() < deadline, "waiting for {what}; log: {log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn each_refused_handshake_is_one_log_line_with_the_peer_and_the_reason() {
    // Arrange
    let dir = TempDir::new().unwrap();
    // Debug for the accept module: the abandoned handshake must be seen, and told apart.
    let lab = Started::run(dir.path(), &[("RUST_LOG", "warn,clickjack_lab::tls::refusals=debug")]);
    let port = lab.port("Bank");
    let foreign_ca = TempDir::new().unwrap();
    let foreign =
        Pki::create_ca(foreign_ca.path()).unwrap().issue_client("alice", Validity::days(30)).unwrap();
    let foreign = Identity { cert: foreign.cert_pem, key: foreign.key_pem };
    let read = |ext: &str| std::fs::read_to_string(dir.path().join(format!("certs/alice.{ext}"))).unwrap();
    let alice = Identity { cert: read("crt"), key: read("key") };

    // Act: an abandoned handshake and a good one first, then two refusals.
    let abandoned = handshake(port, client_config(dir.path(), None), true);
    let good = handshake(port, client_config(dir.path(), Some(&alice)), false);
    let no_cert = handshake(port, client_config(dir.path(), None), false);
    let wrong_ca = handshake(port, client_config(dir.path(), Some(&foreign)), false);

    // Assert
    let log = wait_for(&lab, "two refusals", |log| refusal_lines(log).len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let lines = refusal_lines(&lab.log());
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].contains(&format!("{REFUSED}{no_cert}: no client certificate")), "{lines:?}");
    assert!(lines[0].contains("WARN") && lines[0].contains("start page"), "{lines:?}");
    assert!(
        lines[1].contains(&format!("{REFUSED}{wrong_ca}: client certificate refused: bad signature")),
        "{lines:?}"
    );
    let abandoned_line = format!("TLS handshake from {abandoned} abandoned");
    assert!(log.contains(&abandoned_line) && log.contains("not a refusal"), "{log}");
    assert!(!log.contains(&format!("{REFUSED}{abandoned}")), "{log}");
    assert!(!log.contains(&good.to_string()), "{good} was served: {log}");
}

#[tokio::test]
async fn a_flood_of_refusals_logs_a_few_lines_a_second_and_counts_the_rest() {
    let dir = TempDir::new().unwrap();
    let lab = Started::run(dir.path(), &[]);
    let (port, config) = (lab.port("Bank"), client_config(dir.path(), None));
    const FLOOD: u32 = 40;

    for _ in 0..FLOOD {
        handshake(port, config.clone(), false);
    }

    // Every refusal is told, one by one or in a count, and the count comes without another refusal.
    let told = |log: &str| -> u32 {
        let counted: u32 = log
            .lines()
            .filter_map(|l| l.split("... and ").nth(1)?.split(' ').next()?.parse::<u32>().ok())
            .sum();
        refusal_lines(log).len() as u32 + counted
    };
    let log = wait_for(&lab, "every refusal told", |log| told(log) >= FLOOD).await;
    assert_eq!(told(&log), FLOOD, "{log}");
    let shown = refusal_lines(&log).len() as u32;
    assert!((PER_SECOND..FLOOD).contains(&shown), "{shown} lines: {log}");
    assert!(log.contains("more refused TLS handshakes in that second"), "{log}");
}
