//! Client certificates beyond "signed by the lab CA": every refused handshake and its audit row,
//! the certificate allowlist (`LAB_CERT_BINDING`), and the `certs` commands run against a live
//! bank's files, which the bank must notice without a restart.

use std::future::Future;
use std::time::{Duration, Instant};

use clickjack_lab::pki::{CertInfo, Pki, Validity, pem_der};
use time::OffsetDateTime;

use crate::common::{ClientCert, TestApp, spawn_app};
use crate::helpers::{error_message, lab_binary, read, run_binary};

/// How long the bank may take to notice a changed `crl.pem` (it looks every 0.5 s) or to write a
/// handshake's audit row (sent to a background task: the verifier cannot wait for the database).
const PATIENCE: Duration = Duration::from_secs(5);

/// What a fresh client holding `cert` gets from `GET /api/me`: the status and JSON body, or the
/// transport error when the handshake is refused. A fresh client means a fresh handshake: no
/// pooled connection, no resumed TLS session.
async fn api_me(app: &TestApp, cert: &ClientCert) -> Result<(u16, serde_json::Value), String> {
    let response =
        app.client(Some(cert)).get(app.url("/api/me")).send().await.map_err(|e| format!("{e:?}"))?;
    let status = response.status().as_u16();
    let body = response.json().await.map_err(|e| format!("status {status}, not JSON: {e}"))?;
    Ok((status, body))
}

async fn assert_signs_in(app: &TestApp, cert: &ClientCert, user: &str, context: &str) {
    match api_me(app, cert).await {
        Ok((200, me)) => {
            assert_eq!(me["username"], user, "{context}: {me}");
            assert_eq!(me["signed_in_by"], "certificate", "{context}: {me}");
            assert_eq!(me["certificate"]["fingerprint"], fingerprint(cert), "{context}: {me}");
        }
        other => panic!("{context}: expected {user} signed in, got {other:?}"),
    }
}

async fn assert_handshake_refused(app: &TestApp, cert: &ClientCert, context: &str) {
    let outcome = api_me(app, cert).await;
    assert!(outcome.is_err(), "{context}: the handshake must fail, got {outcome:?}");
}

/// Asserts a completed handshake answered with a 403 JSON error saying the cert is not bound.
async fn assert_not_bound(app: &TestApp, cert: &ClientCert, context: &str) {
    match api_me(app, cert).await {
        Ok((403, body)) => {
            let error = body["error"].as_str().unwrap_or_default();
            assert!(error.contains("not bound to alice's account"), "{context}: {body}");
        }
        other => panic!("{context}: expected a 403 \"not bound\", got {other:?}"),
    }
}

fn info(cert: &ClientCert) -> CertInfo {
    CertInfo::from_der(&pem_der(&cert.cert_pem).expect("a PEM certificate")).expect("an X.509 certificate")
}

fn fingerprint(cert: &ClientCert) -> String {
    info(cert).fingerprint
}

/// Calls `probe` until it returns something, at most for [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(Instant::now() < deadline, "{what}: still not so after {PATIENCE:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct AuditRow {
    method: String,
    path: String,
    decision: String,
    decided_by: String,
    reason: String,
    username: Option<String>,
    cert_cn: Option<String>,
    status: i64,
}

/// The audit events about the certificate with this fingerprint, oldest first.
async fn audit_rows(app: &TestApp, fingerprint: &str) -> Vec<AuditRow> {
    // A fingerprint is hex digits and colons: nothing to escape.
    let sql = format!(
        "SELECT method, path, decision, decided_by, reason, username, cert_cn, status \
         FROM audit_events WHERE cert_fingerprint = '{fingerprint}' ORDER BY id"
    );
    app.fetch_all(&sql).await
}

/// Waits for the audit row of a handshake that refused `cert`, and checks what every such row
/// holds: no request was read, so no user, no HTTP status.
async fn handshake_audit(app: &TestApp, cert: &ClientCert, case: &str) -> AuditRow {
    let fingerprint = &fingerprint(cert);
    let row = eventually(&format!("{case}: an audit row for the refused handshake"), move || async move {
        audit_rows(app, fingerprint).await.into_iter().find(|r| r.method == "TLS")
    })
    .await;
    assert_eq!(
        (row.path.as_str(), row.decided_by.as_str(), row.decision.as_str(), row.status),
        ("(handshake)", "mtls-handshake", "refused", 0),
        "{case}: {row:?}"
    );
    assert_eq!(row.username, None, "{case}: no one signs in by a refused handshake");
    assert!(row.reason.contains(&format!("(serial {})", info(cert).serial)), "{case}: {row:?}");
    row
}

/// What `clickjack-lab <args>` did on the running lab's files.
#[derive(Debug)]
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn cli(app: &TestApp, args: &[&str]) -> Ran {
    let mut command = lab_binary(app.dir(), &[]);
    command.args(args);
    let output = tokio::task::spawn_blocking(move || run_binary(command)).await.expect("the CLI ran");
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs a command that must succeed; its standard output.
async fn cli_ok(app: &TestApp, args: &[&str]) -> String {
    let ran = cli(app, args).await;
    assert_eq!(ran.code, Some(0), "clickjack-lab {}: {ran:#?}", args.join(" "));
    ran.stdout
}

/// A client certificate for `cn` from a CA that shares nothing with the lab's, not even its name.
fn from_unrelated_ca(cn: &str) -> ClientCert {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
        Issuer, KeyPair,
    };
    let mut ca = CertificateParams::default();
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name.push(DnType::CommonName, "Some Other CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let issuer = Issuer::new(ca, KeyPair::generate().unwrap());
    let mut leaf = CertificateParams::default();
    leaf.distinguished_name = DistinguishedName::new();
    leaf.distinguished_name.push(DnType::CommonName, cn);
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    ClientCert { cert_pem: cert.pem(), key_pem: key.serialize_pem() }
}

fn days(n: i64) -> time::Duration {
    time::Duration::days(n)
}

/// A refused handshake: the certificate presented, and what the audit row must say.
struct Refused {
    case: &'static str,
    cert: ClientCert,
    /// How the audit reason starts (the verifier's words for rustls's error).
    reason: &'static str,
    cn: &'static str,
}

#[tokio::test]
async fn every_invalid_certificate_fails_the_handshake_and_is_audited_with_its_reason() {
    // Arrange
    let app = spawn_app(&[]).await;
    let (lab_ca, now) = (app.pki(), OffsetDateTime::now_utc());
    let foreign_dir = tempfile::tempdir().unwrap();
    let foreign_ca = Pki::create_ca(foreign_dir.path()).unwrap();
    let server = ClientCert {
        cert_pem: std::fs::read_to_string(app.certs.join("server.crt")).unwrap(),
        key_pem: std::fs::read_to_string(app.certs.join("server.key")).unwrap(),
    };
    let valid = |not_before, not_after| Validity { not_before, not_after };
    let cases = [
        Refused {
            case: "expired",
            cert: lab_ca.issue_client("alice", valid(now - days(30), now - days(1))).unwrap().into(),
            reason: "expired:",
            cn: "alice",
        },
        Refused {
            case: "not valid yet",
            cert: lab_ca.issue_client("alice", valid(now + days(1), now + days(30))).unwrap().into(),
            reason: "not valid yet:",
            cn: "alice",
        },
        Refused {
            case: "the bank's server certificate",
            cert: server,
            reason: "wrong extended key usage:",
            cn: "localhost",
        },
        Refused {
            // Same issuer name as the lab CA: the chain is found, its signature fails.
            case: "an alice from a foreign CA named like the lab's",
            cert: foreign_ca.issue_client("alice", Validity::days(30)).unwrap().into(),
            reason: "bad signature:",
            cn: "alice",
        },
        Refused {
            case: "an alice from an unrelated CA",
            cert: from_unrelated_ca("alice"),
            reason: "unknown issuer:",
            cn: "alice",
        },
    ];
    let alice = app.user_cert("alice");
    assert_signs_in(&app, &alice, "alice", "positive control, before").await;

    for Refused { case, cert, reason, cn } in &cases {
        // Act
        assert_handshake_refused(&app, cert, case).await;

        // Assert
        let row = handshake_audit(&app, cert, case).await;
        assert!(row.reason.starts_with(reason), "{case}: expected \"{reason} ...\", got {row:?}");
        assert_eq!(row.cert_cn.as_deref(), Some(*cn), "{case}: {row:?}");
    }
    assert_signs_in(&app, &alice, "alice", "positive control, after the refusals").await;
}

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
    let started = Instant::now();
    eventually("the revoked certificate's handshake fails", move || async move {
        api_me(app, alice).await.is_err().then_some(())
    })
    .await;
    let row = handshake_audit(app, alice, "revoked").await;
    assert!(row.reason.starts_with("revoked:"), "{row:?}");
    assert_eq!(row.cert_cn.as_deref(), Some("alice"), "{row:?}");
    assert_signs_in(app, &app.user_cert("bob"), "bob", "positive control: bob is not revoked").await;
    eprintln!("the revocation took effect after {:?}", started.elapsed());
}

#[tokio::test]
async fn a_valid_but_unbound_certificate_gets_a_403_that_says_so_and_an_audit_row() {
    // Arrange: a second "alice" from the lab CA itself, never bound.
    let app = spawn_app(&[]).await;
    let spare: ClientCert = app.pki().issue_client("alice", Validity::days(30)).unwrap().into();
    let fp = fingerprint(&spare);

    // Act
    let page = app.client(Some(&spare)).get(app.url("/")).send().await.expect("the CA signed it: handshake");
    let (status, page) = read(page).await;

    // Assert
    assert_eq!(status, 403, "{page}");
    let message = error_message(&page);
    assert!(message.contains("not bound to alice's account") && message.contains(&fp), "{message}");
    assert!(page.contains("Certificate not bound to the account"), "{page}");
    assert_not_bound(&app, &spare, "GET /api/me with the unbound certificate").await;
    let rows = audit_rows(&app, &fp).await;
    let seen: Vec<_> =
        rows.iter().map(|r| (r.method.as_str(), r.path.as_str(), r.decided_by.as_str())).collect();
    assert_eq!(
        seen,
        [("GET", "/", "cert-binding"), ("GET", "/api/me", "cert-binding")],
        "one row per request"
    );
    for row in &rows {
        assert_eq!((row.decision.as_str(), row.status), ("refused", 403), "{row:?}");
        assert_eq!((row.cert_cn.as_deref(), row.username.as_deref()), (Some("alice"), None), "{row:?}");
        assert!(row.reason.contains("not bound"), "{row:?}");
    }
    assert_signs_in(
        &app,
        &app.user_cert("alice"),
        "alice",
        "positive control: the seeded, bound certificate",
    )
    .await;
}

#[tokio::test]
async fn with_cn_binding_an_unbound_certificate_signs_in_by_its_cn_alone() {
    // Arrange
    let app = spawn_app(&[("LAB_CERT_BINDING", "cn")]).await;
    let spare: ClientCert = app.pki().issue_client("alice", Validity::days(30)).unwrap().into();

    // Act + Assert
    assert_signs_in(&app, &spare, "alice", "LAB_CERT_BINDING=cn, unbound certificate").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE decided_by = 'cert-binding'").await, 0);
    assert_signs_in(&app, &app.user_cert("alice"), "alice", "positive control: the seeded certificate").await;
}

#[tokio::test]
async fn a_reissued_certificate_signs_in_only_once_bound() {
    // Arrange
    let app = spawn_app(&[]).await;
    let seeded = app.user_cert("alice");

    // Act: a new certificate, not bound.
    let stdout = cli_ok(&app, &["certs", "issue", "alice"]).await;

    // Assert
    assert!(stdout.contains("NOT bound yet"), "{stdout}");
    let reissued = app.user_cert("alice");
    assert_ne!(fingerprint(&reissued), fingerprint(&seeded), "certs/alice.crt was replaced");
    assert_not_bound(&app, &reissued, "reissued, not bound yet").await;
    assert_signs_in(&app, &seeded, "alice", "positive control: the seeded certificate stays bound").await;

    // Act: bind it.
    let stdout = cli_ok(&app, &["certs", "bind", "alice"]).await;

    // Assert
    assert!(stdout.contains(&format!("fingerprint {}) to alice", fingerprint(&reissued))), "{stdout}");
    assert_signs_in(&app, &reissued, "alice", "reissued and bound").await;
}

#[tokio::test]
async fn a_certificate_issued_with_bind_signs_in_at_once() {
    // Arrange
    let app = spawn_app(&[]).await;
    let seeded_bob = app.user_cert("bob");

    // Act
    let stdout = cli_ok(&app, &["certs", "issue", "bob", "--bind"]).await;

    // Assert
    assert!(stdout.contains("bound to the account: it signs in now"), "{stdout}");
    let reissued = app.user_cert("bob");
    assert_ne!(fingerprint(&reissued), fingerprint(&seeded_bob));
    assert_signs_in(&app, &reissued, "bob", "issued with --bind").await;
    assert_signs_in(&app, &app.user_cert("alice"), "alice", "positive control").await;
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
    eventually("the revoked certificate's handshake fails", move || async move {
        api_me(app, old).await.is_err().then_some(())
    })
    .await;
    let row = handshake_audit(app, old, "revoked, then reissued").await;
    assert!(row.reason.starts_with("revoked:"), "{row:?}");
    assert_signs_in(app, &new, "alice", "the new certificate, once the new CRL is in force").await;
}

#[tokio::test]
async fn certs_commands_refuse_bad_input_with_a_clear_message_and_change_nothing() {
    // Arrange: a second alice certificate, revoked by serial (the CLI's other way to name one).
    let app = spawn_app(&[]).await;
    let spare: ClientCert = app.pki().issue_client("alice", Validity::days(30)).unwrap().into();
    let spare_path = app.dir().join("spare-alice.crt");
    std::fs::write(&spare_path, &spare.cert_pem).unwrap();
    let serial = info(&spare).serial.to_string();
    let stdout = cli_ok(&app, &["certs", "revoke", &serial]).await;
    assert!(stdout.contains(&format!("revoked the certificate (serial {serial})")), "{stdout}");
    let bindings_before = app.count("SELECT COUNT(*) FROM cert_bindings").await;
    let bob_crt = app.certs.join("bob.crt");
    let (bob_crt, spare_path) = (bob_crt.to_str().unwrap(), spare_path.to_str().unwrap());
    let cases: [(&str, &[&str], &str); 4] = [
        (
            "no such user",
            &["certs", "issue", "carol"],
            "there is no user \"carol\"; the bank's users are alice, bob, mallory",
        ),
        ("neither a user nor a serial", &["certs", "revoke", "zz"], "\"zz\" is neither a user"),
        (
            "someone else's certificate",
            &["certs", "bind", "alice", "--cert", bob_crt],
            "names \"bob\", not alice",
        ),
        (
            "a revoked certificate",
            &["certs", "bind", "alice", "--cert", spare_path],
            "cannot be bound: revoked:",
        ),
    ];

    for (case, args, expected) in cases {
        // Act
        let ran = cli(&app, args).await;

        // Assert
        assert_eq!(ran.code, Some(2), "{case}: {ran:#?}");
        assert!(ran.stderr.contains(expected), "{case}: expected \"{expected}\" in {ran:#?}");
        assert!(!ran.stderr.contains("panicked"), "{case}: {ran:#?}");
        assert!(ran.stdout.is_empty(), "{case}: {ran:#?}");
    }
    assert!(!app.certs.join("carol.crt").exists(), "nothing issued for carol");
    assert_eq!(app.count("SELECT COUNT(*) FROM cert_bindings").await, bindings_before, "nothing bound");
    let revoked: Vec<String> = app.pki().revoked().unwrap().iter().map(|r| r.serial.to_string()).collect();
    assert_eq!(revoked, [serial], "only the spare certificate is revoked");
    assert_signs_in(&app, &app.user_cert("alice"), "alice", "positive control").await;
    assert_signs_in(&app, &app.user_cert("bob"), "bob", "positive control").await;
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
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    // rustls resumes sessions by default (an in-memory cache), as browsers do.
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .resolve("localhost", std::net::SocketAddr::from(([127, 0, 0, 1], app.bank_port)))
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
    eventually("a full handshake with the revoked certificate fails", move || async move {
        api_me(app, alice).await.is_err().then_some(())
    })
    .await;

    // Assert: a new connection from the same browser (a resumed handshake) is refused too.
    let after = browser.get(app.url("/api/me")).send().await;
    assert!(after.is_err(), "the revoked certificate still signs in: {:?}", after.map(|r| r.status()));
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
    eventually("a full handshake with the revoked certificate fails", move || async move {
        api_me(app, alice).await.is_err().then_some(())
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

#[tokio::test]
async fn a_new_database_binds_the_labs_own_certificates_but_not_one_from_certs_issue() {
    // Arrange: a running lab; then a second certificate for alice from `certs issue`, unbound.
    let app = spawn_app(&[]).await;
    cli_ok(&app, &["certs", "issue", "alice"]).await;
    let issued = CertInfo::from_pem_file(&app.certs.join("alice.crt")).unwrap();

    // Act: the same PKI with a new, empty database (a trainee deleted data/).
    let fresh = app.dir().join("fresh.sqlite");
    let fresh_db = fresh.display().to_string();
    let mut command = lab_binary(app.dir(), &[("LAB_DATABASE", fresh_db.as_str())]);
    command.args(["certs", "issue", "bob", "--bind"]);
    let output = tokio::task::spawn_blocking(move || run_binary(command)).await.unwrap();
    assert!(output.status.success(), "{output:?}");
    let mut command = lab_binary(app.dir(), &[("LAB_DATABASE", fresh_db.as_str())]);
    command.args(["certs", "list"]);
    let output = tokio::task::spawn_blocking(move || run_binary(command)).await.unwrap();
    let listed = String::from_utf8_lossy(&output.stdout).into_owned();

    // Assert: mallory's provisioned certificate was bound by itself; alice's `certs issue` one was not.
    assert!(listed.contains("mallory"), "{listed}");
    assert!(
        !listed.contains(&issued.fingerprint),
        "a certificate from `certs issue` is bound only on request: {listed}"
    );
    assert!(!listed.lines().any(|line| line.trim_start().starts_with("alice")), "{listed}");
}
