//! A lab-CA certificate whose subject is not exactly one CN names no one: it signs no one in, by
//! itself or with a password (`LAB_MTLS=optional`, `LAB_CERT_BINDING=cn`, where the CN alone
//! would otherwise decide).

use rcgen::{CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, Issuer, KeyPair};

use crate::common::{ClientCert, TestApp, form_value, spawn_app};
use crate::helpers::{Form, Me, read, submit, whoami};

const OPTIONAL_BY_CN: &[(&str, &str)] = &[("LAB_MTLS", "optional"), ("LAB_CERT_BINDING", "cn")];

/// A client certificate from the lab's own CA with exactly these CNs in its subject.
fn lab_cert_with_cns(app: &TestApp, cns: &[&str]) -> ClientCert {
    let read = |name: &str| std::fs::read_to_string(app.certs.join(name)).expect("the lab CA's files");
    let issuer =
        Issuer::from_ca_cert_pem(&read("ca.crt"), KeyPair::from_pem(&read("ca.key")).unwrap()).unwrap();
    let mut leaf = CertificateParams::default();
    leaf.distinguished_name = DistinguishedName::new();
    leaf.distinguished_name.push(DnType::OrganizationName, "clickjack-lab");
    for (i, cn) in cns.iter().enumerate() {
        // rcgen keeps one value per attribute type: a second CN goes in under the CN's own OID.
        let kind = if i == 0 { DnType::CommonName } else { DnType::CustomDnType(vec![2, 5, 4, 3]) };
        leaf.distinguished_name.push(kind, *cn);
    }
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    ClientCert { cert_pem: cert.pem(), key_pem: key.serialize_pem() }
}

async fn identity_refusals(app: &TestApp, phrase: &str) -> i64 {
    let sql = format!(
        "SELECT COUNT(*) FROM audit_events WHERE decided_by = 'identity' AND decision = 'refused' \
         AND reason LIKE '%{phrase}%'"
    );
    app.count(&sql).await
}

#[tokio::test]
async fn a_lab_certificate_without_a_cn_signs_no_one_in() {
    // Arrange
    let app = spawn_app(OPTIONAL_BY_CN).await;
    let cert = lab_cert_with_cns(&app, &[]);

    // Act
    let me = whoami(&app, &app.client(Some(&cert))).await;

    // Assert
    match &me {
        Me::Refused { status: 403, error } if error.contains("has no CN") => {}
        other => panic!("expected a 403 saying the subject has no CN, got {other:?}"),
    }
    assert_eq!(identity_refusals(&app, "has no CN").await, 1, "audited as an identity refusal");
}

#[tokio::test]
async fn a_lab_certificate_with_two_cns_signs_in_neither() {
    // Arrange
    let app = spawn_app(OPTIONAL_BY_CN).await;
    let cert = lab_cert_with_cns(&app, &["alice", "mallory"]);

    // Act
    let me = whoami(&app, &app.client(Some(&cert))).await;

    // Assert
    match &me {
        Me::Refused { status: 403, error } if error.contains("2 CNs") => {}
        other => panic!("expected a 403 saying the subject has 2 CNs, got {other:?}"),
    }
    assert_eq!(identity_refusals(&app, "2 CNs").await, 1, "audited as an identity refusal");
}

#[tokio::test]
async fn a_certificate_without_a_cn_and_alices_password_do_not_sign_in_alice() {
    // Arrange
    let app = spawn_app(OPTIONAL_BY_CN).await;
    let client = app.client(Some(&lab_cert_with_cns(&app, &[])));
    let page = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let token = form_value(&page, "csrf_token").expect("the login form carries a csrf_token");

    // Act
    let form = Form::new(&[("username", "alice"), ("password", "alice-pass"), ("csrf_token", &token)]);
    let (status, page) = read(submit(&app, &client, "/login", &form).await).await;

    // Assert
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Certificate names no one") && page.contains("has no CN"), "{page}");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL").await, 0);
    assert_eq!(whoami(&app, &client).await.name(), None, "no one signed in");
    assert!(identity_refusals(&app, "has no CN").await >= 1, "audited as an identity refusal");
}
