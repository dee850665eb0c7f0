//! The synchronizer token on `POST /transfer`: missing, wrong, someone else's, right; in the form
//! or in the `X-CSRF-Token` header; bound to the identity; switched off.

use crate::common::{form_value, spawn_app};
use crate::helpers::{
    BY_CSRF_TOKEN, Form, FormBody, SEEDED, assert_refused, balances, confirm, cookie_value, location, read,
    session_set_cookie, submit,
};

#[tokio::test]
async fn a_missing_token_is_refused() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let confirmation = confirm(&app, &client, "bob", "10.00", "").await;

    let response = submit(&app, &client, "/transfer", &confirmation.form.clone().without("csrf_token")).await;

    assert_refused(&app, response, BY_CSRF_TOKEN, &["no csrf_token field or X-CSRF-Token header was sent"])
        .await;
}

#[tokio::test]
async fn an_empty_or_wrong_token_is_refused() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let confirmation = confirm(&app, &client, "bob", "10.00", "").await;
    let token = confirmation.csrf_token().unwrap().to_owned();
    let mut wrong = token.clone();
    wrong.replace_range(..1, if token.starts_with('0') { "1" } else { "0" });

    let empty = submit(&app, &client, "/transfer", &confirmation.form.clone().with("csrf_token", "")).await;
    assert_refused(&app, empty, BY_CSRF_TOKEN, &["no csrf_token field"]).await;
    let response =
        submit(&app, &client, "/transfer", &confirmation.form.clone().with("csrf_token", &wrong)).await;

    assert_refused(&app, response, BY_CSRF_TOKEN, &["the token does not match the one issued to cert:"])
        .await;
}

#[tokio::test]
async fn the_right_token_moves_the_money() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let confirmation = confirm(&app, &client, "bob", "10.00", "").await;
    assert!(confirmation.csrf_token().is_some_and(|t| t.len() >= 32), "a long random token");

    let response = submit(&app, &client, "/transfer", &confirmation.form).await;

    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/transfers/"));
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(&app).await, (alice - 1_000, bob + 1_000, mallory));
}

#[tokio::test]
async fn the_token_may_come_in_the_x_csrf_token_header() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let confirmation = confirm(&app, &client, "bob", "10.00", "").await;
    let token = confirmation.csrf_token().unwrap().to_owned();

    let response = client
        .post(app.url("/transfer"))
        .header("Origin", app.sites.bank.as_str())
        .header("X-CSRF-Token", &token)
        .form_body(&confirmation.form.clone().without("csrf_token"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 303);
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(&app).await, (alice - 1_000, bob + 1_000, mallory));
}

#[tokio::test]
async fn bobs_token_does_not_work_for_alice() {
    let app = spawn_app(&[]).await;
    let alice = app.client_as("alice");
    let bob = app.client_as("bob");
    let alices = confirm(&app, &alice, "mallory", "10.00", "").await;
    let bobs_token = confirm(&app, &bob, "mallory", "10.00", "").await.csrf_token().unwrap().to_owned();
    assert_ne!(alices.csrf_token(), Some(bobs_token.as_str()), "one token per identity");

    let response =
        submit(&app, &alice, "/transfer", &alices.form.clone().with("csrf_token", &bobs_token)).await;

    assert_refused(&app, response, BY_CSRF_TOKEN, &["the token does not match"]).await;
}

#[tokio::test]
async fn the_pre_login_token_dies_with_the_anonymous_session() {
    // Arrange: sign in by password, keeping the login form's token.
    let app = spawn_app(&[("LAB_MTLS", "off")]).await;
    let client = app.client(None);
    let login = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let anonymous_token = form_value(&login, "csrf_token").unwrap();
    let form =
        Form::new(&[("username", "alice"), ("password", "alice-pass"), ("csrf_token", &anonymous_token)]);
    let signed_in = submit(&app, &client, "/login", &form).await;
    assert_eq!(signed_in.status(), 303);
    assert!(session_set_cookie(&signed_in).map(|c| cookie_value(&c)).is_some_and(|v| !v.is_empty()));
    let confirmation = confirm(&app, &client, "bob", "10.00", "").await;
    assert_ne!(confirmation.csrf_token(), Some(anonymous_token.as_str()), "a new session, a new token");

    // Act
    let response =
        submit(&app, &client, "/transfer", &confirmation.form.clone().with("csrf_token", &anonymous_token))
            .await;

    // Assert
    assert_refused(&app, response, BY_CSRF_TOKEN, &["the token does not match the one issued to session:"])
        .await;
}

#[tokio::test]
async fn with_csrf_tokens_off_no_token_is_rendered_or_needed() {
    let app = spawn_app(&[("LAB_CSRF_TOKEN", "off")]).await;
    let client = app.client_as("alice");

    let confirmation = confirm(&app, &client, "bob", "10.00", "").await;
    let response = submit(&app, &client, "/transfer", &confirmation.form).await;

    assert!(!confirmation.page.contains("csrf_token"), "{}", confirmation.page);
    assert_eq!(confirmation.csrf_token(), None);
    assert_eq!(response.status(), 303);
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(&app).await, (alice - 1_000, bob + 1_000, mallory));
}

#[tokio::test]
async fn page_views_write_nothing_to_the_database_and_their_tokens_still_work() {
    use sqlx::Connection;
    let app = spawn_app(&[]).await;
    let alice = app.client_as("alice");
    // Watched from before alice's first page: her first token used to be written then.
    let url = format!("sqlite://{}?mode=ro", app.database.display());
    let mut watcher = sqlx::SqliteConnection::connect(&url).await.unwrap();
    // `data_version` changes when another connection commits a write to the file.
    let version = async |c: &mut sqlx::SqliteConnection| -> i64 {
        sqlx::query_scalar("PRAGMA data_version").fetch_one(&mut *c).await.unwrap()
    };
    let before = version(&mut watcher).await;
    for path in ["/", "/transfer", "/transfer/confirm?to=bob&amount=1.00&memo=x", "/lab", "/audit"] {
        let (status, page) = read(alice.get(app.url(path)).send().await.unwrap()).await;
        assert_eq!(status, 200, "{path}: {page}");
    }
    assert_eq!(version(&mut watcher).await, before, "a page view wrote to the database");
    // The token those pages carried (computed, not stored) confirms a transfer.
    let confirmation = confirm(&app, &alice, "bob", "1.00", "x").await;
    assert_eq!(submit(&app, &alice, "/transfer", &confirmation.form).await.status(), 303);
    assert_ne!(version(&mut watcher).await, before, "the control: the transfer's write is seen");
}
