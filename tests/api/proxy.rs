//! `LAB_MTLS=proxy`: Debian's nginx terminates mutual TLS and forwards the certificate in a
//! header; the bank trusts that header only from the proxy's address, and checks the
//! certificate in it again.

use std::net::IpAddr;

use clickjack_lab::pki::{CertInfo, Pki, Validity};
use clickjack_lab::proxy::settings::PROXY_ADDRESS;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Client;

use crate::common::{TestApp, eventually, free_port, spawn_app, spawn_app_behind_nginx};
use crate::helpers::{Me, me};

/// How long the bank may take to notice a changed `crl.pem` (it looks every 0.5 s).
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// A plain-HTTP client straight to the bank's upstream port, from `source` (a local address).
fn direct(source: IpAddr) -> Client {
    crate::common::client_builder()
        .local_address(source)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn upstream_url(app: &TestApp, path: &str) -> String {
    format!("http://{}{path}", app.upstream.expect("proxy mode"))
}

/// A certificate as nginx's `$ssl_client_escaped_cert` sends it.
fn escaped(pem: &str) -> String {
    utf8_percent_encode(pem, NON_ALPHANUMERIC).to_string()
}

fn alices_certificate(app: &TestApp) -> String {
    std::fs::read_to_string(app.certs.join("alice.crt")).unwrap()
}

/// Audit rows (decided_by, reason) with `decided_by` in `kinds`, oldest first.
async fn audited(app: &TestApp, kind: &str) -> Vec<String> {
    let sql = format!("SELECT reason FROM audit_events WHERE decided_by = '{kind}' ORDER BY id");
    app.fetch_all::<(String,)>(&sql).await.into_iter().map(|(r,)| r).collect()
}

#[tokio::test]
async fn through_nginx_the_forwarded_certificate_signs_in_and_a_client_cannot_forge_the_header() {
    let app = spawn_app_behind_nginx(&[]).await;
    assert!(app.sites.bank.as_str().starts_with("https://localhost:"), "{}", app.sites.bank);

    let alice = me(app.client_as("alice").get(app.url("/api/me"))).await;
    assert_eq!(alice.name(), Some("alice"), "nginx verified alice and forwarded her certificate");

    // bob sends the header himself, with alice's certificate in it: nginx replaces it with his own.
    let forged = me(app
        .client_as("bob")
        .get(app.url("/api/me"))
        .header("X-SSL-Client-Cert", escaped(&alices_certificate(&app))))
    .await;
    assert_eq!(forged.name(), Some("bob"), "the proxy overwrites the header");

    // nginx refuses a client without a certificate before the bank sees anything.
    let anonymous = app.client(None).get(app.url("/api/me")).send().await.unwrap();
    assert_eq!(anonymous.status(), 400, "nginx: no required SSL certificate was sent");
    assert!(anonymous.text().await.unwrap().contains("No required SSL certificate"));
}

#[tokio::test]
async fn a_revoked_certificate_passes_nginx_but_the_bank_refuses_it_with_the_reason() {
    let app = spawn_app_behind_nginx(&[]).await;
    let bob = CertInfo::from_pem_file(&app.certs.join("bob.crt")).unwrap();
    let ask = async || me(app.client_as("bob").get(app.url("/api/me"))).await;
    assert_eq!(ask().await.name(), Some("bob"), "positive control before revoking");

    app.pki().revoke(&bob.serial).unwrap();
    // The bank re-reads crl.pem by itself; nginx (no ssl_crl) still lets bob's handshake through.
    let refused = async || match ask().await {
        Me::Refused { status, error } => Some((status, error)),
        _ => None,
    };
    let (status, error) = eventually("the bank to refuse the revoked certificate", PATIENCE, refused).await;
    assert_eq!(status, 403);
    assert!(error.contains("revoked") && error.contains(&bob.serial.to_string()), "{error}");
    let reasons = audited(&app, "proxy-certificate").await;
    assert!(reasons.iter().any(|r| r.contains("revoked") && r.contains("from 127.0.0.2")), "{reasons:?}");
    assert_eq!(
        me(app.client_as("alice").get(app.url("/api/me"))).await.name(),
        Some("alice"),
        "alice is unaffected"
    );
}

#[tokio::test]
async fn an_unbound_certificate_is_refused_behind_the_proxy_too() {
    let app = spawn_app_behind_nginx(&[]).await;
    let second = app.pki().issue_client("alice", Validity::days(30)).unwrap();
    let client = app.client(Some(&second.into()));
    let refused = me(client.get(app.url("/api/me"))).await;
    assert!(
        matches!(&refused, Me::Refused { status: 403, error } if error.contains("not bound")),
        "{refused:?}"
    );
}

/// The lesson: the header is only as good as the path it came through.
#[tokio::test]
async fn the_header_from_anyone_but_the_proxy_is_stripped_and_audited() {
    let app = spawn_app_behind_nginx(&[]).await;
    let localhost: IpAddr = [127, 0, 0, 1].into();
    let response = me(direct(localhost)
        .get(upstream_url(&app, "/api/me"))
        .header("X-SSL-Client-Cert", escaped(&alices_certificate(&app))))
    .await;
    assert_eq!(response.refused(), Some(401), "no identity: the header was removed");
    let reasons = audited(&app, "trusted-proxies").await;
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].contains("claiming to be \"alice\"")
            && reasons[0].contains("arrived from 127.0.0.1")
            && reasons[0].contains("LAB_TRUSTED_PROXIES=127.0.0.2"),
        "{reasons:?}"
    );
    // Positive control: the same bank, through the proxy, signs alice in.
    let alice = me(app.client_as("alice").get(app.url("/api/me"))).await;
    assert_eq!(alice.name(), Some("alice"));
}

#[tokio::test]
async fn with_the_trust_check_off_anyone_who_sets_the_header_is_alice() {
    let app = spawn_app_behind_nginx(&[("LAB_TRUSTED_PROXIES", "any")]).await;
    // A certificate is public: this client has alice's certificate, never her key.
    let forged = me(direct([127, 0, 0, 1].into())
        .get(upstream_url(&app, "/api/me"))
        .header("X-SSL-Client-Cert", escaped(&alices_certificate(&app))))
    .await;
    assert_eq!(forged.name(), Some("alice"), "a plain client became alice");
    let dashboard = direct([127, 0, 0, 1].into())
        .get(upstream_url(&app, "/"))
        .header("X-SSL-Client-Cert", escaped(&alices_certificate(&app)))
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), 200);
    let page = dashboard.text().await.unwrap();
    assert!(page.contains("Signed in as <strong>alice</strong> by certificate"), "{page}");
}

#[tokio::test]
async fn envoys_xfcc_format_is_read_and_its_certificate_checked() {
    // No proxy process here: the test speaks for Envoy from the trusted address.
    let port = free_port().to_string();
    let app = spawn_app(&[
        ("LAB_MTLS", "proxy"),
        ("LAB_BANK_PORT", port.as_str()),
        ("LAB_UPSTREAM_PORT", "0"),
        ("LAB_CLIENT_CERT_HEADER", "x-forwarded-client-cert"),
    ])
    .await;
    let envoy = direct(PROXY_ADDRESS);
    let xfcc = |pem: &str| {
        format!("By=spiffe://lab/bank;Hash=0123;Subject=\"CN=whoever\";Cert=\"{}\";URI=", escaped(pem))
    };
    let ask = async |value: String| {
        me(envoy.get(upstream_url(&app, "/api/me")).header("x-forwarded-client-cert", value)).await
    };

    assert_eq!(ask(xfcc(&alices_certificate(&app))).await.name(), Some("alice"));

    let foreign_dir = tempfile::tempdir().unwrap();
    let foreign =
        Pki::create_ca(foreign_dir.path()).unwrap().issue_client("alice", Validity::days(30)).unwrap();
    let refused =
        |me: &Me, why: &str| matches!(me, Me::Refused { status: 403, error } if error.contains(why));
    let foreign = ask(xfcc(&foreign.cert_pem)).await;
    // The foreign CA uses the lab CA's name, so the signature is what fails.
    assert!(refused(&foreign, "bad signature"), "{foreign:?}");
    let no_cert = ask("By=spiffe://lab/bank;Hash=0123".to_owned()).await;
    assert!(refused(&no_cert, "no Cert= field"), "{no_cert:?}");

    // Two copies of the header (a client's and the proxy's): refused, whichever comes first.
    let twice = me(envoy
        .get(upstream_url(&app, "/api/me"))
        .header("x-forwarded-client-cert", xfcc(&alices_certificate(&app)))
        .header("x-forwarded-client-cert", xfcc(&alices_certificate(&app))))
    .await;
    assert!(refused(&twice, "sent 2 times"), "{twice:?}");

    let reasons = audited(&app, "proxy-certificate").await;
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].contains("bad signature") && reasons[0].contains("from 127.0.0.2"), "{reasons:?}");
}
