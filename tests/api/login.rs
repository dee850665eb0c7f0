//! Password sign-in and sign-out (`LAB_MTLS=optional|off`), session rotation, and how a client
//! certificate and a password sign-in get along.

use clickjack_lab::sessions;
use reqwest::Client;

use crate::common::{TestApp, form_value, spawn_app};
use crate::helpers::{
    Form, Me, confirm, cookie_value, error_message, location, me, pre_login_set_cookie, read,
    session_set_cookie, submit, submit_with, whoami,
};

/// `GET /login`: the anonymous session cookie it sets (if any) and the form's CSRF token.
async fn login_form(app: &TestApp, client: &Client) -> (Option<String>, String) {
    let response = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let cookie = pre_login_set_cookie(&response).map(|c| cookie_value(&c));
    let page = response.text().await.unwrap();
    let token = form_value(&page, "csrf_token").expect("the login form carries a csrf_token");
    (cookie, token)
}

async fn post_login(
    app: &TestApp,
    client: &Client,
    username: &str,
    password: &str,
    token: &str,
) -> reqwest::Response {
    let form = Form::new(&[("username", username), ("password", password), ("csrf_token", token)]);
    submit(app, client, "/login", &form).await
}

/// `GET /api/me` from a fresh client that sends exactly this session cookie value.
async fn me_with_cookie(app: &TestApp, value: &str) -> Me {
    me(app.client(None).get(app.url("/api/me")).header("Cookie", format!("{}={value}", sessions::COOKIE)))
        .await
}

/// Signs alice in by password, checks who the bank sees, signs her out again.
async fn assert_password_sign_in_and_out(mtls: &str) {
    // Arrange
    let app = spawn_app(&[("LAB_MTLS", mtls)]).await;
    let client = app.client(None);
    let (anonymous, token) = login_form(&app, &client).await;
    assert!(anonymous.is_some(), "GET /login starts an anonymous session for the form's token");
    assert_eq!(whoami(&app, &client).await.refused(), Some(401), "an anonymous session signs no one in");

    // Act: sign in.
    let response = post_login(&app, &client, "alice", "alice-pass", &token).await;

    // Assert
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    assert!(session_set_cookie(&response).is_some(), "signing in sets a session cookie");
    let alice =
        Me::User { name: "alice".into(), by: "password".into(), fingerprint: None, balance_cents: 100_000 };
    assert_eq!(whoami(&app, &client).await, alice);

    // Act: sign out, with the token the dashboard's sign-out form carries.
    let dashboard = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let token = form_value(&dashboard, "csrf_token").expect("the sign-out form carries a token");
    let response = submit(&app, &client, "/logout", &Form::new(&[("csrf_token", &token)])).await;

    // Assert
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login");
    let removal = session_set_cookie(&response).expect("signing out removes the cookie");
    assert!(removal.contains("Max-Age=0"), "{removal}");
    assert_eq!(whoami(&app, &client).await.refused(), Some(401));
}

#[tokio::test]
async fn password_sign_in_and_out_with_mtls_optional() {
    assert_password_sign_in_and_out("optional").await;
}

#[tokio::test]
async fn password_sign_in_and_out_with_mtls_off() {
    assert_password_sign_in_and_out("off").await;
}

#[tokio::test]
async fn signing_in_rotates_the_session_and_the_old_cookie_stops_working() {
    // Arrange
    let app = spawn_app(&[("LAB_MTLS", "off")]).await;
    let client = app.client(None);
    let (anonymous, token) = login_form(&app, &client).await;
    let anonymous = anonymous.expect("an anonymous session cookie");

    // Act
    let response = post_login(&app, &client, "alice", "alice-pass", &token).await;

    // Assert
    assert_eq!(response.status(), 303);
    let signed_in = cookie_value(&session_set_cookie(&response).expect("a new session cookie"));
    assert_ne!(signed_in, anonymous, "the session id must change at sign-in");
    assert_eq!(me_with_cookie(&app, &signed_in).await.name(), Some("alice"), "the new cookie signs alice in");
    assert_eq!(
        me_with_cookie(&app, &anonymous).await.refused(),
        Some(401),
        "the planted pre-login cookie is worthless"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1, "only the signed-in session is stored");
    let removal = pre_login_set_cookie(&response).expect("the login form's cookie is removed");
    assert!(removal.contains("Max-Age=0"), "{removal}");
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    // Arrange
    let app = spawn_app(&[("LAB_MTLS", "off")]).await;
    let client = app.client(None);
    let (_, token) = login_form(&app, &client).await;
    let response = post_login(&app, &client, "bob", "bob-pass", &token).await;
    let signed_in = cookie_value(&session_set_cookie(&response).expect("a session cookie"));
    let dashboard = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let token = form_value(&dashboard, "csrf_token").unwrap();

    // Act
    let response = submit(&app, &client, "/logout", &Form::new(&[("csrf_token", &token)])).await;

    // Assert: a copy of the cookie kept by someone else no longer works either.
    assert_eq!(response.status(), 303);
    assert_eq!(me_with_cookie(&app, &signed_in).await.refused(), Some(401));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn a_wrong_password_or_unknown_user_re_renders_the_form_with_401() {
    let app = spawn_app(&[("LAB_MTLS", "off")]).await;
    for (username, password) in
        [("alice", "bob-pass"), ("alice", ""), ("zed", "alice-pass"), ("Not Valid", "x")]
    {
        // Arrange
        let client = app.client(None);
        let (anonymous, token) = login_form(&app, &client).await;

        // Act
        let response = post_login(&app, &client, username, password, &token).await;

        // Assert
        assert!(session_set_cookie(&response).is_none(), "no new session for {username:?}");
        let (status, page) = read(response).await;
        assert_eq!(status, 401, "{username:?}: {page}");
        assert!(page.contains(r#"id="login-error">Wrong username or password.</p>"#), "{page}");
        assert!(page.contains(&format!(r#"value="{username}" required"#)), "the username is kept: {page}");
        assert!(form_value(&page, "csrf_token").is_some(), "the form can be submitted again");
        assert_eq!(whoami(&app, &client).await.refused(), Some(401));
        assert_eq!(me_with_cookie(&app, anonymous.as_deref().unwrap()).await.refused(), Some(401));
    }
}

#[tokio::test]
async fn with_alices_certificate_a_password_sign_in_as_bob_is_refused() {
    // Arrange
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    let client = app.client_as("alice");
    let (cookie, token) = login_form(&app, &client).await;
    assert!(cookie.is_none(), "the certificate carries the token: no anonymous session needed");

    // Act
    let response = post_login(&app, &client, "bob", "bob-pass", &token).await;

    // Assert
    assert!(session_set_cookie(&response).is_none());
    let (status, page) = read(response).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Certificate and password disagree"), "{page}");
    assert!(error_message(&page).contains(r#"the certificate of "alice""#), "{page}");
    let me = whoami(&app, &client).await;
    assert!(
        matches!(&me, Me::User { name, by, .. } if name == "alice" && by == "certificate"),
        "still alice, by certificate: {me:?}"
    );
}

#[tokio::test]
async fn with_alices_certificate_a_password_sign_in_as_alice_is_fine() {
    // Arrange
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    let client = app.client_as("alice");
    let (_, token) = login_form(&app, &client).await;

    // Act
    let response = post_login(&app, &client, "alice", "alice-pass", &token).await;

    // Assert
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    assert_eq!(whoami(&app, &client).await.name(), Some("alice"));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL").await, 1);
}

#[tokio::test]
async fn required_mode_has_no_password_sign_in() {
    // Arrange
    let app = spawn_app(&[("LAB_MTLS", "required")]).await;
    let client = app.client_as("alice");
    // A valid token, so that the handler (not the CSRF check) is what refuses.
    let token = confirm(&app, &client, "bob", "1.00", "").await.csrf_token().unwrap().to_owned();

    // Act
    let explained = client.get(app.url("/login")).send().await.unwrap();
    let refused = post_login(&app, &client, "alice", "alice-pass", &token).await;

    // Assert
    let (status, page) = read(explained).await;
    assert_eq!(status, 200);
    assert!(page.contains("There is no password step"), "{page}");
    assert!(!page.contains(r#"name="password""#), "no password field in required mode");
    let (status, page) = read(refused).await;
    assert_eq!(status, 403, "{page}");
    assert!(error_message(&page).contains("Password sign-in is switched off"), "{page}");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn the_dashboard_sends_a_visitor_without_identity_to_the_login_page() {
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;

    let response = app.client(None).get(app.url("/")).send().await.unwrap();

    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login");
}

#[tokio::test]
async fn visiting_the_login_page_never_replaces_a_signed_in_session() {
    // Arrange: alice signs in; then a link (say, from another site, arriving without the
    // SameSite=Strict session cookie) opens the login page.
    let app = spawn_app(&[("LAB_MTLS", "off")]).await;
    let client = app.client(None);
    let (_, token) = login_form(&app, &client).await;
    let response = post_login(&app, &client, "alice", "alice-pass", &token).await;
    let signed_in = cookie_value(&session_set_cookie(&response).expect("a session cookie"));

    // Act
    let response = app.client(None).get(app.url("/login")).send().await.unwrap();

    // Assert: the login page sets only its own cookie; alice's session cookie is untouched.
    assert!(pre_login_set_cookie(&response).is_some());
    assert!(session_set_cookie(&response).is_none(), "the login page must not overwrite the session");
    assert_eq!(me_with_cookie(&app, &signed_in).await.name(), Some("alice"));
}

#[tokio::test]
async fn every_page_with_the_sign_out_button_carries_a_token_that_works() {
    let app = spawn_app(&[("LAB_MTLS", "off")]).await;
    for page in ["/", "/transfer", "/audit", "/transfer/confirm?to=bob&amount=1.00&memo=x"] {
        // Arrange
        let client = app.client(None);
        let (_, token) = login_form(&app, &client).await;
        assert_eq!(post_login(&app, &client, "alice", "alice-pass", &token).await.status(), 303);
        let html = client.get(app.url(page)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("action=\"/logout\""), "{page} shows the sign-out button");
        let token = form_value(&html, "csrf_token").unwrap_or_else(|| panic!("{page} has a token"));

        // Act
        let response = submit(&app, &client, "/logout", &Form::new(&[("csrf_token", &token)])).await;

        // Assert
        assert_eq!(response.status(), 303, "sign-out from {page}");
        assert_eq!(whoami(&app, &client).await.refused(), Some(401), "signed out from {page}");
    }
}

#[tokio::test]
async fn each_session_cookie_lives_as_long_as_its_session() {
    // Arrange
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    let client = app.client(None);
    let response = client.get(app.url("/login")).send().await.unwrap();
    let login_cookie = pre_login_set_cookie(&response).expect("the login form's cookie");
    let token = form_value(&response.text().await.unwrap(), "csrf_token").unwrap();
    let shown_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    let expires_at: u128 = cookie_value(&login_cookie).split('.').nth(1).unwrap().parse().unwrap();
    let expires_in = expires_at.abs_diff(shown_at + sessions::PRE_LOGIN_TTL_MS as u128);
    assert!(
        expires_in < 5_000,
        "the login form's session lasts as long as its cookie (off by {expires_in} ms)"
    );

    // Act
    let response = post_login(&app, &client, "alice", "alice-pass", &token).await;

    // Assert
    let session_cookie = session_set_cookie(&response).expect("the session cookie");
    let max_age =
        |c: &str| format!("Max-Age={}", c.split("Max-Age=").nth(1).unwrap().split(';').next().unwrap());
    assert_eq!(max_age(&login_cookie), format!("Max-Age={}", sessions::PRE_LOGIN_TTL_MS / 1000));
    assert_eq!(max_age(&session_cookie), format!("Max-Age={}", sessions::TTL_MS / 1000));
}

#[tokio::test]
async fn showing_the_login_form_writes_nothing_and_its_cookie_cannot_be_forged() {
    // Arrange
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    let rows = "SELECT (SELECT COUNT(*) FROM sessions) + (SELECT COUNT(*) FROM audit_events)";
    let before = app.count(rows).await;

    // Act: 200 strangers look at the form.
    let mut forms = Vec::new();
    for _ in 0..200 {
        let client = app.client(None);
        forms.push((login_form(&app, &client).await, client));
    }

    // Assert: nothing stored, each form its own, and any of them still signs in.
    assert_eq!(app.count(rows).await, before, "a GET of the login form wrote a row");
    let tokens: std::collections::HashSet<_> = forms.iter().map(|((_, token), _)| token.clone()).collect();
    assert_eq!(tokens.len(), 200, "each form has a token of its own");
    let ((cookie, token), client) = forms.pop().unwrap();
    let cookie = cookie.expect("the login form's cookie");

    // A cookie whose expiry is moved on, or another form's token, is refused.
    let (random, rest) = cookie.split_once('.').unwrap();
    let tag = rest.split_once('.').unwrap().1;
    let moved = format!("{random}.{}.{tag}", i64::MAX);
    let form = Form::new(&[("username", "alice"), ("password", "alice-pass"), ("csrf_token", &token)]);
    let cookie_header = format!("{}={moved}", sessions::PRE_LOGIN_COOKIE);
    let forged = submit_with(&app, &app.client(None), "/login", &form, &[("Cookie", &cookie_header)]).await;
    assert_eq!(forged.status(), 403, "a cookie with its expiry moved on");
    let (_, other_token) = &forms[0].0;
    assert_eq!(post_login(&app, &client, "alice", "alice-pass", other_token).await.status(), 403);
    assert_eq!(post_login(&app, &client, "alice", "alice-pass", &token).await.status(), 303);
}
