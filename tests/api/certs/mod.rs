//! Client certificates beyond "signed by the lab CA": every refused handshake and its audit row,
//! the certificate allowlist (`LAB_CERT_BINDING`), and the `certs` commands run against a live
//! bank's files, which the bank must notice without a restart.

mod binding;
mod commands;
mod handshake;
mod revocation;
mod subject;

use std::time::Duration;

use clickjack_lab::pki::{CertInfo, pem_der};

use crate::common::{ClientCert, TestApp, eventually};
use crate::helpers::{Me, lab_binary, run_binary, whoami};

/// How long the bank may take to notice a changed `crl.pem` (it looks every 0.5 s) or to write a
/// handshake's audit row (sent to a background task: the verifier cannot wait for the database).
const PATIENCE: Duration = Duration::from_secs(5);

/// What a fresh client holding `cert` gets from `GET /api/me`. A fresh client means a fresh
/// handshake: no pooled connection, no resumed TLS session.
async fn api_me(app: &TestApp, cert: &ClientCert) -> Me {
    whoami(app, &app.client(Some(cert))).await
}

async fn assert_signs_in(app: &TestApp, cert: &ClientCert, user: &str, context: &str) {
    match api_me(app, cert).await {
        Me::User { name, by, fingerprint: fp, .. } => {
            assert_eq!((name.as_str(), by.as_str()), (user, "certificate"), "{context}");
            assert_eq!(fp, Some(fingerprint(cert)), "{context}");
        }
        other => panic!("{context}: expected {user} signed in, got {other:?}"),
    }
}

async fn assert_handshake_refused(app: &TestApp, cert: &ClientCert, context: &str) {
    let outcome = api_me(app, cert).await;
    assert!(outcome.no_answer(), "{context}: the handshake must fail, got {outcome:?}");
}

/// Asserts a completed handshake answered with a 403 JSON error saying the cert is not bound.
async fn assert_not_bound(app: &TestApp, cert: &ClientCert, context: &str) {
    match api_me(app, cert).await {
        Me::Refused { status: 403, error } if error.contains("not bound to alice's account") => {}
        other => panic!("{context}: expected a 403 \"not bound\", got {other:?}"),
    }
}

fn info(cert: &ClientCert) -> CertInfo {
    CertInfo::from_der(&pem_der(&cert.cert_pem).expect("a PEM certificate")).expect("an X.509 certificate")
}

fn fingerprint(cert: &ClientCert) -> String {
    info(cert).fingerprint
}

#[derive(Debug, Clone)]
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

clickjack_lab::from_row!(AuditRow { method, path, decision, decided_by, reason, username, cert_cn, status });

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
    let row = eventually(&format!("{case}: an audit row for the refused handshake"), PATIENCE, async || {
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
