//! Every LAB_MTLS mode against every kind of client certificate.

use clickjack_lab::pki::{Pki, Validity};
use time::{Duration, OffsetDateTime};

use crate::common::{ClientCert, TestApp, spawn_app};

/// What a client holding `cert` gets from `/api/me`: the username, or why not.
async fn who(app: &TestApp, cert: Option<&ClientCert>) -> Result<Option<String>, String> {
    let response = app.client(cert).get(app.url("/api/me")).send().await.map_err(|e| format!("{e:?}"))?;
    match response.status().as_u16() {
        200 => {
            let me: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
            Ok(me["username"].as_str().map(str::to_owned))
        }
        401 => Ok(None),
        other => Err(format!("unexpected status {other}")),
    }
}

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
    assert_eq!(who(&app, Some(&app.user_cert("alice"))).await, Ok(Some("alice".into())));
    assert_eq!(who(&app, Some(&app.user_cert("bob"))).await, Ok(Some("bob".into())));
    assert!(who(&app, None).await.is_err(), "no certificate: the handshake must fail");
    assert!(who(&app, Some(&foreign_cert())).await.is_err(), "foreign CA must fail");
    assert!(who(&app, Some(&expired_cert(&app))).await.is_err(), "expired must fail");
}

#[tokio::test]
async fn optional_mode_uses_a_certificate_when_presented_and_refuses_bad_ones() {
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    assert_eq!(who(&app, Some(&app.user_cert("alice"))).await, Ok(Some("alice".into())));
    assert_eq!(who(&app, None).await, Ok(None), "no certificate: connected, not signed in");
    assert!(who(&app, Some(&foreign_cert())).await.is_err(), "foreign CA must fail");
    assert!(who(&app, Some(&expired_cert(&app))).await.is_err(), "expired must fail");
}

#[tokio::test]
async fn off_mode_never_asks_for_a_certificate() {
    let app = spawn_app(&[("LAB_MTLS", "off")]).await;
    assert_eq!(who(&app, None).await, Ok(None));
    assert_eq!(who(&app, Some(&app.user_cert("alice"))).await, Ok(None), "a certificate is not a sign-in");
    assert_eq!(who(&app, Some(&foreign_cert())).await, Ok(None));
    assert_eq!(who(&app, Some(&expired_cert(&app))).await, Ok(None));
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
