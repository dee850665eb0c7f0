//! Password sign-in and sign-out (`LAB_MTLS=optional|off`). With `required`, the login page
//! explains that the client certificate is the sign-in.

use actix_web::http::StatusCode;
use std::net::{IpAddr, Ipv6Addr};
use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::layout::Layout;
use super::respond::{done, render, see_other};
use crate::accounts::{Username, password, repo};
use crate::audit::Outcome;
use crate::error::{AppError, Result};
use crate::identity::Visitor;
use crate::state::AppState;
use crate::{clock, sessions};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    password_allowed: bool,
    username: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "signout.html")]
struct SignOutPage {
    layout: Layout,
    password_allowed: bool,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login_form(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    if !state.settings.identity.mtls.allows_password() {
        let page = LoginPage {
            layout: Layout::new(&state, &visitor, "Sign in").await?,
            password_allowed: false,
            username: String::new(),
            error: None,
        };
        return render(StatusCode::OK, &page);
    }
    // The form's CSRF token needs an identity: an anonymous session if there is nothing else.
    let (visitor, cookie) = with_session(&state, visitor);
    let page = LoginPage {
        layout: Layout::new(&state, &visitor, "Sign in").await?,
        password_allowed: true,
        username: String::new(),
        error: None,
    };
    let mut response = render(StatusCode::OK, &page)?;
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(|e| AppError::internal("session cookie", e))?;
    }
    Ok(response)
}

pub async fn login(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse> {
    if !state.settings.identity.mtls.allows_password() {
        return Err(AppError::PasswordLoginDisabled);
    }
    let form = form.into_inner();
    let Ok(username) = Username::parse(&form.username) else {
        let why = "the username is not a valid username".to_owned();
        return retry(&state, &visitor, form.username, why).await;
    };
    // A presented certificate that does not name this user (another user, no one, two people)
    // forbids a password sign-in as them.
    if let Some(cert) = &visitor.cert {
        match (&cert.common_name, &cert.subject_problem) {
            (Some(cn), _) if cn == username.as_str() => {}
            (Some(cn), _) => {
                return Err(AppError::CertificateMismatch { cert: cn.clone(), tried: username.to_string() });
            }
            (None, problem) => {
                let problem = problem.map_or_else(|| "it names no user".to_owned(), |p| p.to_string());
                return Err(AppError::CertificateNamesNoOne(problem));
            }
        }
    }
    let address = throttle(&state, &req, &username)?;
    let (user, hash) = repo::credentials(&state.pool, &username).await?.unzip();
    // Unknown users are checked against a dummy hash: same time, same answer as a wrong password.
    let verified = password::verify(hash, form.password).await;
    let Some(user) = user.filter(|_| verified) else {
        let why = format!("wrong username or password for \"{username}\"");
        return retry(&state, &visitor, form.username, why).await;
    };

    state.sign_ins.succeeded(username.as_str(), address);

    // Rotate: a signed-in session (and its token) ends, the login form's cookie is removed below;
    // a new session id starts.
    if let Some(old) = visitor.session.as_ref().filter(|s| s.user_id.is_some()) {
        sessions::end(&state.pool, old).await?;
    }
    let (_, token) = sessions::start(&state.pool, user.id).await?;
    let same_site = state.protections.now().protections.samesite;
    let mut response = done(Outcome::SignedIn { user: user.username.to_string() }, see_other("/"));
    for cookie in [
        sessions::cookie(sessions::COOKIE, token, same_site),
        sessions::removal(sessions::PRE_LOGIN_COOKIE, same_site),
    ] {
        response.add_cookie(&cookie).map_err(|e| AppError::internal("session cookie", e))?;
    }
    Ok(response)
}

/// `GET /logout` (a link, or the address typed): says who you are and how to stop being them. A
/// password session gets the sign-out button; a certificate cannot be signed out of, and the page
/// says what to do instead.
pub async fn signout_page(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let page = SignOutPage {
        layout: Layout::new(&state, &visitor, "Sign out").await?,
        password_allowed: state.settings.identity.mtls.allows_password(),
    };
    render(StatusCode::OK, &page)
}

pub async fn logout(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let Some(session) = &visitor.session else {
        return Ok(done(Outcome::NothingToSignOut, see_other("/login")));
    };
    sessions::end(&state.pool, session).await?;
    let mut response = done(Outcome::SignedOut, see_other("/login"));
    response
        .add_cookie(&sessions::removal(sessions::COOKIE, state.protections.now().protections.samesite))
        .map_err(|e| AppError::internal("session cookie", e))?;
    Ok(response)
}

/// Admits a password check for `username` from the client's address, or refuses it (429) while
/// its back-off runs: before any lookup, so the answer is the same whether the user exists.
fn throttle(state: &AppState, req: &HttpRequest, username: &Username) -> Result<IpAddr> {
    let address = req.peer_addr().map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |peer| peer.ip());
    match state.sign_ins.admit(username.as_str(), address, Instant::now()) {
        Ok(()) => Ok(address),
        Err(wait) => Err(AppError::SignInThrottled { wait_secs: wait.as_secs_f64().ceil() as u64 }),
    }
}

/// The login form again, with a message (401); `why` goes to the audit log.
async fn retry(state: &AppState, visitor: &Visitor, username: String, why: String) -> Result<HttpResponse> {
    let page = LoginPage {
        layout: Layout::new(state, visitor, "Sign in").await?,
        password_allowed: true,
        username,
        error: Some("Wrong username or password.".to_owned()),
    };
    Ok(done(Outcome::SignInRefused { why }, render(StatusCode::UNAUTHORIZED, &page)?))
}

/// The visitor, with an anonymous session started if they have no identity yet (in its cookie
/// only: showing the form writes nothing).
fn with_session(
    state: &AppState,
    mut visitor: Visitor,
) -> (Visitor, Option<actix_web::cookie::Cookie<'static>>) {
    if visitor.csrf_subject().is_some() {
        return (visitor, None);
    }
    let (session, token) = state.login_forms.issue(clock::now_ms());
    visitor.session = Some(session);
    let cookie =
        sessions::cookie(sessions::PRE_LOGIN_COOKIE, token, state.protections.now().protections.samesite);
    (visitor, Some(cookie))
}
