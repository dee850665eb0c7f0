//! What the bank's pages say in the states that used to say nothing: the sign-out page, the 404
//! page for a visitor signed in by certificate, the gesture guard's grey button; and the favicon.

use crate::common::{form_value, spawn_app};
use crate::helpers::{Form, read, submit};

#[tokio::test]
async fn get_logout_tells_a_certificate_visitor_who_they_are_and_that_a_certificate_cannot_be_signed_out() {
    let app = spawn_app(&[]).await;

    let (status, page) = read(app.client_as("alice").get(app.url("/logout")).send().await.unwrap()).await;

    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("You are signed in as <strong>alice</strong> by your client certificate"),
        "{page}"
    );
    assert!(page.contains("cannot be signed out of") && page.contains("remove the certificate"), "{page}");
    assert!(!page.contains("href=\"/login\">Sign in"), "no sign-in link for a signed-in visitor: {page}");
}

#[tokio::test]
async fn get_logout_offers_a_password_session_its_sign_out_button() {
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    let client = app.client(None);
    let (_, login) = read(client.get(app.url("/login")).send().await.unwrap()).await;
    let token = form_value(&login, "csrf_token").expect("the login form's token");
    let form = Form::new(&[("username", "alice"), ("password", "alice-pass"), ("csrf_token", &token)]);
    assert_eq!(submit(&app, &client, "/login", &form).await.status(), 303, "signed in");

    let (status, page) = read(client.get(app.url("/logout")).send().await.unwrap()).await;

    assert_eq!(status, 200, "{page}");
    assert!(page.contains("signed in as <strong>alice</strong> with a password"), "{page}");
    assert!(page.contains("id=\"sign-out\"") && page.contains("name=\"csrf_token\""), "{page}");
}

#[tokio::test]
async fn the_404_page_says_who_a_certificate_visitor_is() {
    let app = spawn_app(&[]).await;

    let (status, page) =
        read(app.client_as("alice").get(app.url("/no-such-page")).send().await.unwrap()).await;

    assert_eq!(status, 404, "{page}");
    assert!(page.contains("Signed in as <strong>alice</strong> by certificate"), "{page}");
    assert!(!page.contains(">Sign in<"), "{page}");
}

#[tokio::test]
async fn the_gesture_guards_grey_button_says_why_on_the_page() {
    let app = spawn_app(&[]).await;
    let confirm = app.url("/transfer/confirm?to=bob&amount=5.00&memo=lunch");

    let (_, page) = read(app.client_as("alice").get(&confirm).send().await.unwrap()).await;

    assert!(
        page.contains("disabled data-gesture-guard") && page.contains("aria-describedby=\"gesture-note\""),
        "{page}"
    );
    assert!(page.contains("id=\"gesture-note\"") && page.contains("grey on purpose"), "{page}");
    assert!(page.contains("tap the screen") && page.contains("1 second"), "{page}");
    let off = spawn_app(&[("LAB_GESTURE_GUARD", "off")]).await;
    let (_, plain) = read(
        off.client_as("alice").get(off.url("/transfer/confirm?to=bob&amount=5.00")).send().await.unwrap(),
    )
    .await;
    assert!(!plain.contains("gesture-note"), "no note without the guard: {plain}");
}

#[tokio::test]
async fn both_sites_serve_a_favicon() {
    let app = spawn_app(&[]).await;

    let bank = app.client_as("alice").get(app.url("/favicon.ico")).send().await.unwrap();
    let attacker = reqwest::get(format!("{}/favicon.ico", app.sites.cross_site)).await.unwrap();

    for response in [bank, attacker] {
        assert_eq!(response.status(), 200, "{}", response.url());
        assert_eq!(response.headers()["content-type"], "image/x-icon");
        assert!(response.bytes().await.unwrap().starts_with(&[0, 0, 1, 0]), "an ICO file");
    }
}
