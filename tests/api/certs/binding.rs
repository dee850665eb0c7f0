//! Bound certificates (`LAB_CERT_BINDING`): a valid certificate signs in only once bound to its
//! user, unless the CN alone decides.

use clickjack_lab::pki::{CertInfo, Validity};

use super::{assert_not_bound, assert_signs_in, audit_rows, cli_ok, fingerprint};
use crate::common::{ClientCert, spawn_app};
use crate::helpers::{error_message, lab_binary, read, run_binary};

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
    // The way out is a command, shown as code, not between backticks.
    assert!(
        page.contains("<code>clickjack-lab certs bind &#60;user&#62;</code>") && !page.contains('`'),
        "{page}"
    );
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
