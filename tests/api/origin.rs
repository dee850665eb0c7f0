//! The origin check on `POST /transfer`: every Origin/Referer combination, with a valid CSRF token
//! and request id, so that the origin check is the only thing that can refuse.

use reqwest::{Client, Response};

use crate::common::{TestApp, spawn_app};
use crate::helpers::{
    BY_ORIGIN_CHECK, Confirmation, FormBody, SEEDED, alice_confirms, assert_executed, assert_refused,
    balances, error_message, read,
};

/// Posts the confirmation form with exactly these request headers.
async fn post_with(app: &TestApp, client: &Client, c: &Confirmation, headers: &[(&str, &str)]) -> Response {
    let mut request = client.post(app.url("/transfer")).form_body(&c.form);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_banks_own_origin_is_allowed() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;

    let response = post_with(&app, &client, &confirmation, &[("Origin", app.sites.bank.as_str())]).await;

    assert_executed(&app, "origin check", response).await;
}

#[tokio::test]
async fn the_bank_answers_as_127_0_0_1_too() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let origin = format!("https://127.0.0.1:{}", app.sites.bank.port());

    let response = post_with(&app, &client, &confirmation, &[("Origin", &origin)]).await;

    assert_executed(&app, "origin check", response).await;
}

#[tokio::test]
async fn foreign_origins_are_refused_with_a_page_naming_the_header_and_its_value() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let foreign = [
        app.sites.cross_site.to_string(),
        // The same site on another port, and the bank's host over http: other origins all the same.
        format!("https://localhost:{}", app.sites.cross_site.port()),
        format!("http://localhost:{}", app.sites.bank.port()),
    ];
    for origin in &foreign {
        // A bank Referer does not rescue a foreign Origin.
        let referer = app.url("/transfer/confirm");
        let headers = [("Origin", origin.as_str()), ("Referer", referer.as_str())];

        let response = post_with(&app, &client, &confirmation, &headers).await;

        let named = format!("(Origin: \"{origin}\")");
        assert_refused(&app, response, BY_ORIGIN_CHECK, &[&named, "is not the bank's origin"]).await;
    }
}

#[tokio::test]
async fn origin_null_is_refused() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;

    let response = post_with(&app, &client, &confirmation, &[("Origin", "null")]).await;

    assert_refused(&app, response, BY_ORIGIN_CHECK, &["(Origin: \"null\")", "opaque origin"]).await;
}

#[tokio::test]
async fn neither_origin_nor_referer_is_refused() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;

    let response = post_with(&app, &client, &confirmation, &[]).await;

    assert_refused(
        &app,
        response,
        BY_ORIGIN_CHECK,
        &["(Origin: not sent)", "neither Origin nor Referer was sent"],
    )
    .await;
}

#[tokio::test]
async fn without_origin_a_referer_from_the_bank_is_allowed() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let referer = app.url("/transfer/confirm?to=bob&amount=10.00&memo=rent");

    let response = post_with(&app, &client, &confirmation, &[("Referer", &referer)]).await;

    assert_executed(&app, "origin check", response).await;
}

#[tokio::test]
async fn without_origin_a_referer_from_the_attacker_is_refused() {
    let app = spawn_app(&[]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let referer = format!("{}/basic.html", app.sites.cross_site);

    let response = post_with(&app, &client, &confirmation, &[("Referer", &referer)]).await;

    let named = format!("(Referer: \"{referer}\")");
    assert_refused(&app, response, BY_ORIGIN_CHECK, &[&named, "no Origin header"]).await;
}

#[tokio::test]
async fn an_origin_listed_in_lab_allowed_origins_is_allowed() {
    let app = spawn_app(&[("LAB_ALLOWED_ORIGINS", "https://partner.test")]).await;
    let (client, confirmation) = alice_confirms(&app).await;

    let unlisted = post_with(&app, &client, &confirmation, &[("Origin", "https://other.test")]).await;
    assert_refused(&app, unlisted, BY_ORIGIN_CHECK, &["(Origin: \"https://other.test\")"]).await;
    let listed = post_with(&app, &client, &confirmation, &[("Origin", "https://partner.test")]).await;

    assert_executed(&app, "origin check", listed).await;
}

#[tokio::test]
async fn with_the_origin_check_off_a_foreign_origin_passes_but_the_csrf_token_is_still_required() {
    let app = spawn_app(&[("LAB_ORIGIN_CHECK", "off")]).await;
    let (client, confirmation) = alice_confirms(&app).await;
    let foreign = [("Origin", app.sites.cross_site.as_str())];

    // Without the token: the CSRF check still stands.
    let tokenless =
        Confirmation { form: confirmation.form.clone().without("csrf_token"), ..confirmation.clone() };
    let (status, page) = read(post_with(&app, &client, &tokenless, &foreign).await).await;
    assert_eq!(status, 403, "{page}");
    assert!(error_message(&page).contains("The CSRF token check refused"), "{page}");
    assert_eq!(balances(&app).await, SEEDED);

    // With the token: nothing else checks where the request came from.
    let response = post_with(&app, &client, &confirmation, &foreign).await;

    assert_executed(&app, "origin check", response).await;
}
