//! The session cookie's attributes for each `LAB_SAMESITE` value: the anonymous cookie of the
//! login form and the cookie of a successful sign-in.

use crate::common::{form_value, spawn_app};
use crate::helpers::{Form, pre_login_set_cookie, session_set_cookie, submit};

/// The attributes of a `Set-Cookie` header (everything after `name=value`), trimmed.
fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie.split(';').skip(1).map(|a| a.trim().to_owned()).collect()
}

fn assert_session_cookie(set_cookie: &str, samesite: &str) {
    let attributes = attributes(set_cookie);
    let has = |wanted: &str| attributes.iter().any(|a| a.eq_ignore_ascii_case(wanted));
    assert!(has("HttpOnly"), "{set_cookie}");
    assert!(has("Secure"), "{set_cookie}");
    assert!(has("Path=/"), "{set_cookie}");
    assert!(has(&format!("SameSite={samesite}")), "{set_cookie}");
    let samesites = attributes.iter().filter(|a| a.to_ascii_lowercase().starts_with("samesite=")).count();
    assert_eq!(samesites, 1, "{set_cookie}");
}

/// The two session cookies the bank sets with these variables: at `GET /login` and at sign-in.
async fn session_cookies(vars: &[(&str, &str)]) -> (String, String) {
    let mut vars = vars.to_vec();
    vars.push(("LAB_MTLS", "off"));
    let app = spawn_app(&vars).await;
    let client = app.client(None);

    let response = client.get(app.url("/login")).send().await.unwrap();
    let anonymous = pre_login_set_cookie(&response).expect("GET /login sets the login form's cookie");
    let token = form_value(&response.text().await.unwrap(), "csrf_token").unwrap_or_default();
    let form = Form::new(&[("username", "alice"), ("password", "alice-pass"), ("csrf_token", &token)]);
    let response = submit(&app, &client, "/login", &form).await;
    assert_eq!(response.status(), 303);
    let signed_in = session_set_cookie(&response).expect("signing in sets the session cookie");
    (anonymous, signed_in)
}

/// Both session cookies (the login form's and the signed-in one) carry `samesite` under `vars`.
async fn assert_samesite(vars: &[(&str, &str)], samesite: &str) {
    let (anonymous, signed_in) = session_cookies(vars).await;
    assert_session_cookie(&anonymous, samesite);
    assert_session_cookie(&signed_in, samesite);
}

#[tokio::test]
async fn strict_is_the_default() {
    assert_samesite(&[], "Strict").await;
}

#[tokio::test]
async fn samesite_strict() {
    assert_samesite(&[("LAB_SAMESITE", "strict")], "Strict").await;
}

#[tokio::test]
async fn samesite_lax() {
    assert_samesite(&[("LAB_SAMESITE", "lax")], "Lax").await;
}

#[tokio::test]
async fn samesite_none() {
    assert_samesite(&[("LAB_SAMESITE", "none")], "None").await;
}

#[tokio::test]
async fn the_protections_off_preset_gives_samesite_none() {
    assert_samesite(&[("LAB_PROTECTIONS", "off")], "None").await;
}
