//! Every LAB_MTLS mode against every kind of client certificate.

use clickjack_lab::pki::{Pki, Validity};
use time::{Duration, OffsetDateTime};

use crate::common::{ClientCert, TestApp, spawn_app};
use crate::helpers::whoami;

fn foreign_cert() -> ClientCert {
    let dir = tempfile::tempdir().unwrap();
    let foreign = Pki::create_ca(dir.path()).unwrap();
    foreign.issue_client("alice", Validity::days(30)).unwrap().into()
}

fn expired_cert(app: &TestApp) -> ClientCert {
    let now = OffsetDateTime::now_utc();
    let validity = Validity { not_before: now - Duration::days(30), not_after: now - Duration::days(1) };
    app.pki().issue_client("alice", validity).unwrap().into()
}

#[tokio::test]
async fn required_mode_signs_in_by_certificate_and_refuses_every_other_handshake() {
    let app = spawn_app(&[("LAB_MTLS", "required")]).await;
    assert_eq!(whoami(&app, &app.client(Some(&app.user_cert("alice")))).await.name(), Some("alice"));
    assert_eq!(whoami(&app, &app.client(Some(&app.user_cert("bob")))).await.name(), Some("bob"));
    assert!(whoami(&app, &app.client(None)).await.no_answer(), "no certificate: the handshake must fail");
    assert!(whoami(&app, &app.client(Some(&foreign_cert()))).await.no_answer(), "foreign CA must fail");
    assert!(whoami(&app, &app.client(Some(&expired_cert(&app)))).await.no_answer(), "expired must fail");
}

#[tokio::test]
async fn optional_mode_uses_a_certificate_when_presented_and_refuses_bad_ones() {
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    assert_eq!(whoami(&app, &app.client(Some(&app.user_cert("alice")))).await.name(), Some("alice"));
    assert_eq!(
        whoami(&app, &app.client(None)).await.refused(),
        Some(401),
        "no certificate: connected, not signed in"
    );
    assert!(whoami(&app, &app.client(Some(&foreign_cert()))).await.no_answer(), "foreign CA must fail");
    assert!(whoami(&app, &app.client(Some(&expired_cert(&app)))).await.no_answer(), "expired must fail");
}

#[tokio::test]
async fn off_mode_never_asks_for_a_certificate() {
    let app = spawn_app(&[("LAB_MTLS", "off")]).await;
    assert_eq!(whoami(&app, &app.client(None)).await.refused(), Some(401));
    assert_eq!(
        whoami(&app, &app.client(Some(&app.user_cert("alice")))).await.refused(),
        Some(401),
        "a certificate is not a sign-in"
    );
    assert_eq!(whoami(&app, &app.client(Some(&foreign_cert()))).await.refused(), Some(401));
    assert_eq!(whoami(&app, &app.client(Some(&expired_cert(&app)))).await.refused(), Some(401));
}

#[tokio::test]
async fn a_valid_certificate_for_no_user_gets_a_clear_403_page() {
    let app = spawn_app(&[]).await;
    let zed: ClientCert = app.pki().issue_client("zed", Validity::days(30)).unwrap().into();
    let response = app.client(Some(&zed)).get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let page = response.text().await.unwrap();
    assert!(page.contains("subject CN &#34;zed&#34; names no user"), "{page}");
}
