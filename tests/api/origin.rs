//! The origin check on `POST /transfer`: every Origin/Referer combination, with a valid CSRF token
//! and request id, so that the origin check is the only thing that can refuse.

use reqwest::{Client, Response};

use crate::common::{TestApp, spawn_app};
use crate::helpers::{Confirmation, FormBody, SEEDED, balances, confirm, error_message, location, read};

/// alice's client and a confirmation of 10.00 to bob, rendered by the bank.
async fn alice_confirms(app: &TestApp) -> (Client, Confirmation) {
    let client = app.client_as("alice");
    let confirmation = confirm(app, &client, "bob", "10.00", "rent").await;
    (client, confirmation)
}

/// Posts the confirmation form with exactly these request headers.
async fn post_with(app: &TestApp, client: &Client, c: &Confirmation, headers: &[(&str, &str)]) -> Response {
    let mut request = client.post(app.url("/transfer")).form_body(&c.form);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// A refusal by the origin check: 403, its page, and nothing moved.
async fn assert_refused(app: &TestApp, response: Response, expected_in_message: &[&str]) {
    let (status, page) = read(response).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Refused by the origin check"), "{page}");
    let message = error_message(&page);
    for expected in expected_in_message {
        assert!(message.contains(expected), "{expected:?} not in {message:?}");
    }
    assert_eq!(balances(app).await, SEEDED, "a refused request moves nothing");
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
}

/// An allowed transfer: 303 to its result, 10.00 moved from alice to bob.
async fn assert_executed(app: &TestApp, response: Response) {
    let target = location(&response);
    let (status, page) = read(response).await;
    assert_eq!(status, 303, "{page}");
    assert!(target.starts_with("/transfers/"), "{target}");
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(app).await, (alice - 1_000, bob + 1_000, mallory));
}

#[tokio::test]
async fn the_banks_own_origin_is_allowed() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;

    let response = post_with(&app, &client, &confirmation, &[("Origin", &app.bank_url)]).await;

    assert_executed(&app, response).await;
}

#[tokio::test]
async fn the_bank_answers_as_127_0_0_1_too() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let origin = format!("https://127.0.0.1:{}", app.bank_port);

    let response = post_with(&app, &client, &confirmation, &[("Origin", &origin)]).await;

    assert_executed(&app, response).await;
}

#[tokio::test]
async fn foreign_origins_are_refused_with_a_page_naming_the_header_and_its_value() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let foreign = [
        app.attacker_url.clone(),
        // The same site on another port, and the bank's host over http: other origins all the same.
        format!("https://localhost:{}", app.attacker_port),
        format!("http://localhost:{}", app.bank_port),
    ];
    for origin in &foreign {
        // A bank Referer does not rescue a foreign Origin.
        let referer = app.url("/transfer/confirm");
        let headers = [("Origin", origin.as_str()), ("Referer", referer.as_str())];

        let response = post_with(&app, &client, &confirmation, &headers).await;

        let named = format!("(Origin: \"{origin}\")");
        assert_refused(&app, response, &[&named, "is not the bank's origin"]).await;
    }
}

#[tokio::test]
async fn origin_null_is_refused() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;

    let response = post_with(&app, &client, &confirmation, &[("Origin", "null")]).await;

    assert_refused(&app, response, &["(Origin: \"null\")", "opaque origin"]).await;
}

#[tokio::test]
async fn neither_origin_nor_referer_is_refused() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;

    let response = post_with(&app, &client, &confirmation, &[]).await;

    assert_refused(&app, response, &["(Origin: not sent)", "neither Origin nor Referer was sent"]).await;
}

#[tokio::test]
async fn without_origin_a_referer_from_the_bank_is_allowed() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let referer = app.url("/transfer/confirm?to=bob&amount=10.00&memo=rent");

    let response = post_with(&app, &client, &confirmation, &[("Referer", &referer)]).await;

    assert_executed(&app, response).await;
}

#[tokio::test]
async fn without_origin_a_referer_from_the_attacker_is_refused() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let referer = format!("{}/basic.html", app.attacker_url);

    let response = post_with(&app, &client, &confirmation, &[("Referer", &referer)]).await;

    let named = format!("(Referer: \"{referer}\")");
    assert_refused(&app, response, &[&named, "no Origin header"]).await;
}

#[tokio::test]
async fn an_origin_listed_in_lab_allowed_origins_is_allowed() {
    let app = spawn_app(&[("LAB_ALLOWED_ORIGINS", "https://partner.test")]).await;
    let (client, confirmation) = alice_confirms(&app).await;

    let unlisted = post_with(&app, &client, &confirmation, &[("Origin", "https://other.test")]).await;
    assert_refused(&app, unlisted, &["(Origin: \"https://other.test\")"]).await;
    let listed = post_with(&app, &client, &confirmation, &[("Origin", "https://partner.test")]).await;

    assert_executed(&app, listed).await;
}

#[tokio::test]
async fn with_the_origin_check_off_a_foreign_origin_passes_but_the_csrf_token_is_still_required() {
    let app = spawn_app(&[("LAB_ORIGIN_CHECK", "off")]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let foreign = [("Origin", app.attacker_url.as_str())];

    // Without the token: the CSRF check still stands.
    let tokenless =
        Confirmation { form: confirmation.form.clone().without("csrf_token"), ..confirmation.clone() };
    let (status, page) = read(post_with(&app, &client, &tokenless, &foreign).await).await;
    assert_eq!(status, 403, "{page}");
    assert!(error_message(&page).contains("The CSRF token check refused"), "{page}");
    assert_eq!(balances(&app).await, SEEDED);

    // With the token: nothing else checks where the request came from.
    let response = post_with(&app, &client, &confirmation, &foreign).await;

    assert_executed(&app, response).await;
}
