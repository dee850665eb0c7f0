//! The lab's desk on the attacker site: the narrator that tells an attack page what the bank did,
//! and the start page's probes (what the bank saw of a browser, read back without a certificate).

use serde_json::Value;

use super::{Client, FRAMED, TestApp, click, read, render, spawn_app, submit_with};
use clickjack_lab::pki::Validity;

/// A client of the attacker site (plain HTTP, no certificate).
fn attacker() -> Client {
    crate::common::client_builder().build().unwrap()
}

async fn json(client: &Client, url: String) -> Value {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The narrator's events for `scenario` after `after`.
async fn narrated(app: &TestApp, scenario: &str, after: u64) -> Vec<(String, String)> {
    let url = format!("{}/narrator?scenario={scenario}&after={after}", app.sites.cross_site);
    let answer = json(&attacker(), url).await;
    let events = answer["events"].as_array().unwrap();
    events
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_owned(), e["text"].as_str().unwrap().to_owned()))
        .collect()
}

/// Where an attack page starts reading.
async fn cursor(app: &TestApp, scenario: &str) -> u64 {
    let answer = json(&attacker(), format!("{}/narrator?scenario={scenario}", app.sites.cross_site)).await;
    assert_eq!(answer["events"], serde_json::json!([]), "no after: nothing old");
    answer["last"].as_u64().unwrap()
}

#[tokio::test]
async fn the_attack_page_hears_that_fetch_metadata_refused_the_framed_page() {
    let app = spawn_app(&[]).await;
    let from = cursor(&app, "basic").await;
    let query = [("to", "mallory"), ("amount", "40.00"), ("scenario", "basic")];
    let response = super::get_confirm_with(&app, &app.client_as("alice"), &query, FRAMED).await;
    assert_eq!(response.status(), 403);
    let events = narrated(&app, "basic", from).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, "refused");
    assert!(events[0].1.contains("Fetch Metadata refused") && events[0].1.contains("HTTP 403"), "{events:?}");
    assert!(narrated(&app, "csrf", from).await.is_empty(), "another attack's page hears nothing");
}

#[tokio::test]
async fn the_attack_page_hears_the_frame_headers_and_then_the_landing() {
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let alice = app.client_as("alice");
    let from = cursor(&app, "basic").await;
    let form = render(&app, &alice, "basic", FRAMED).await;
    let shown = narrated(&app, "basic", from).await;
    assert_eq!(shown[0].0, "shown");
    assert!(
        shown[0].1.contains("X-Frame-Options: DENY") && shown[0].1.contains("refuses to show it"),
        "{shown:?}"
    );
    click(&app, &alice, &form, "iframe").await;
    let events = narrated(&app, "basic", from).await;
    let (kind, text) = events.last().unwrap();
    assert_eq!(kind, "landed", "{events:?}");
    assert!(
        text.contains("moved 250.00 from alice to mallory") && text.contains("inside another origin's frame"),
        "{text}"
    );
}

#[tokio::test]
async fn a_refusal_inside_the_frame_reaches_the_attack_page_with_the_way_out() {
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;
    let alice = app.client_as("alice");
    let query = [("to", "mallory"), ("amount", "500.00"), ("scenario", "basic")];
    let mut from = 0;
    for attempt in 1..=3 {
        from = cursor(&app, "basic").await;
        let page = read(super::get_confirm_with(&app, &alice, &query, FRAMED).await).await.1;
        let form = super::hidden_fields(&page, "/transfer");
        let answer = submit_with(&app, &alice, "/transfer", &form, FRAMED).await;
        assert_eq!(
            answer.status(),
            if attempt < 3 { 303 } else { 409 },
            "alice has 1000.00: two of 500.00 move"
        );
    }
    let events = narrated(&app, "basic", from).await;
    let (kind, text) = events.last().unwrap();
    assert_eq!(kind, "refused", "{events:?}");
    assert!(text.contains("does not cover 500.00") && text.contains("Reset the lab"), "{text}");
}

/// Loads the bank's probe with `client`, then reads back what the bank saw, as the start page does.
async fn probe(app: &TestApp, client: &Client) -> Value {
    let nonce = uuid::Uuid::new_v4().to_string();
    let response = client.get(app.url(&format!("/lab/probe.svg?nonce={nonce}"))).send().await.unwrap();
    assert_eq!(response.status(), 200, "the probe image loads whatever the certificate says");
    assert_eq!(response.headers()["cross-origin-resource-policy"], "cross-origin");
    let answer = json(&attacker(), format!("{}/start/finding?nonce={nonce}", app.sites.cross_site)).await;
    assert_eq!(answer["seen"], true, "{answer}");
    answer["finding"].clone()
}

#[tokio::test]
async fn the_start_page_learns_what_the_bank_saw_of_each_certificate() {
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    let alice = probe(&app, &app.client_as("alice")).await;
    assert_eq!((alice["certificate"].as_str(), alice["user"].as_str()), (Some("alice"), Some("alice")));
    assert_eq!(alice["problem"], Value::Null);

    let eve = app.pki().issue_client("eve", Validity::days(1)).unwrap();
    let eve = probe(&app, &app.client(Some(&eve.into()))).await;
    assert_eq!((eve["certificate"].as_str(), eve["problem"].as_str()), (Some("eve"), Some("unknown-user")));
    assert_eq!(eve["user"], Value::Null);

    let second = app.pki().issue_client("bob", Validity::days(1)).unwrap();
    let unbound = probe(&app, &app.client(Some(&second.into()))).await;
    assert_eq!((unbound["problem"].as_str(), unbound["detail"].as_str()), (Some("not-bound"), Some("bob")));

    let nobody = probe(&app, &app.client(None)).await;
    assert_eq!((nobody["certificate"].clone(), nobody["user"].clone()), (Value::Null, Value::Null));
}

#[tokio::test]
async fn a_probe_the_bank_never_saw_is_reported_unseen_and_bad_nonces_are_refused() {
    let app = spawn_app(&[]).await;
    let unseen = format!("{}/start/finding?nonce=0123456789abcdef0123", app.sites.cross_site);
    assert_eq!(json(&attacker(), unseen).await, serde_json::json!({ "seen": false }));
    let bad =
        attacker().get(format!("{}/start/finding?nonce=%3Cscript%3E", app.sites.cross_site)).send().await;
    assert_eq!(bad.unwrap().status(), 400);
    // Without a certificate the bank's handshake fails: the image never loads (the start page's "no certificate").
    assert!(app.client(None).get(app.url("/lab/probe.svg?nonce=0123456789abcdef")).send().await.is_err());
    // The HTTPS probe asks for no certificate: it loads when the CA is trusted.
    let https =
        app.client(None).get(format!("{}/start/probe.svg", app.sites.same_site)).send().await.unwrap();
    assert_eq!(https.status(), 200);
    let page = attacker().get(format!("{}/start", app.sites.cross_site)).send().await.unwrap();
    assert_eq!(page.status(), 200, "the start page is at /start");
    assert!(page.text().await.unwrap().contains("Is your browser ready?"));
    let setup = json(&attacker(), format!("{}/start/setup.json", app.sites.cross_site)).await;
    assert_eq!(setup["bank_origin"], app.sites.bank.as_str());
    assert_eq!(setup["mtls"], "required");
    assert!(setup["certs_dir"].as_str().unwrap().starts_with('/'), "{setup}");
}

#[tokio::test]
async fn bank_pages_about_certificates_point_to_the_start_page() {
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    let start = format!("{}/start", app.sites.cross_site);
    let (status, login) = read(app.client(None).get(app.url("/login")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(login.contains("id=\"no-certificate\"") && login.contains(&start), "{login}");
    let eve = app.pki().issue_client("eve", Validity::days(1)).unwrap();
    let (status, page) = read(app.client(Some(&eve.into())).get(app.url("/")).send().await.unwrap()).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("id=\"start-link\"") && page.contains(&start), "{page}");
    let (_, with_cert) = read(app.client_as("alice").get(app.url("/login")).send().await.unwrap()).await;
    assert!(
        !with_cert.contains("id=\"no-certificate\""),
        "a visitor with a certificate is not told to get one"
    );
}
