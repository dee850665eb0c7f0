//! Cookie sessions, for password sign-in (`LAB_MTLS=optional|off`).
//!
//! The cookie carries 32 random bytes; the database keeps only their SHA-256, so a copy of the
//! database holds no usable session. Sessions expire, and signing in always starts a new one
//! (rotation), so a session id planted before sign-in is worthless after it.
//!
//! The login form's anonymous session lives in a cookie of its own, and only there
//! ([`login_form`]: nothing is stored for it): a visit to the login page (say, a cross-site link
//! arriving without the SameSite=Strict session cookie) must never replace a signed-in session. Both cookies carry the `__Host-` prefix, which binds them to the
//! bank's exact origin (Secure, `Path=/`, no Domain).

use actix_web::cookie::{Cookie, time::Duration as CookieDuration};
use sqlx::SqlitePool;
use uuid::Uuid;

use crate::clock;
use crate::crypto;
use crate::protections::SameSite;

pub mod login_form;

/// The signed-in session.
pub const COOKIE: &str = "__Host-lab_session";
/// The anonymous session that carries the login form's CSRF token.
pub const PRE_LOGIN_COOKIE: &str = "__Host-lab_login";

/// How long a signed-in session lasts.
pub const TTL_MS: i64 = 8 * 60 * 60 * 1000;
/// How long a login form stays usable.
pub const PRE_LOGIN_TTL_MS: i64 = 60 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    /// `None` for the anonymous session that carries the login form.
    pub user_id: Option<Uuid>,
    pub expires_at: i64,
}

crate::from_row!(Session { id, user_id, expires_at });

/// Starts a signed-in session for `user_id`; returns it with the cookie value to send. Expired
/// sessions are cleared first, so they cannot pile up.
pub async fn start(pool: &SqlitePool, user_id: Uuid) -> sqlx::Result<(Session, String)> {
    purge_expired(pool).await?;
    let token = crypto::random_token();
    let now = clock::now_ms();
    let session = Session { id: Uuid::new_v4(), user_id: Some(user_id), expires_at: now + TTL_MS };
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(session.id)
    .bind(crypto::sha256_hex(token.as_bytes()))
    .bind(session.user_id)
    .bind(now)
    .bind(session.expires_at)
    .execute(pool)
    .await?;
    Ok((session, token))
}

/// The live signed-in session a [`COOKIE`] value names, if any.
pub async fn find(pool: &SqlitePool, token: &str) -> sqlx::Result<Option<Session>> {
    sqlx::query_as(
        "SELECT id, user_id, expires_at FROM sessions \
         WHERE token_hash = ? AND expires_at > ? AND user_id IS NOT NULL",
    )
    .bind(crypto::sha256_hex(token.as_bytes()))
    .bind(clock::now_ms())
    .fetch_optional(pool)
    .await
}

/// Ends a session (its CSRF token goes with it).
pub async fn end(pool: &SqlitePool, session: &Session) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = ?").bind(session.id).execute(pool).await?;
    Ok(())
}

/// Removes expired sessions (and their CSRF tokens).
pub async fn purge_expired(pool: &SqlitePool) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= ?").bind(clock::now_ms()).execute(pool).await?;
    Ok(())
}

/// A session cookie ([`COOKIE`] or [`PRE_LOGIN_COOKIE`]): always `HttpOnly; Secure; Path=/`,
/// SameSite as configured, and lasting as long as the session it carries.
pub fn cookie(name: &'static str, value: String, same_site: SameSite) -> Cookie<'static> {
    let ttl_ms = if name == PRE_LOGIN_COOKIE { PRE_LOGIN_TTL_MS } else { TTL_MS };
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(true)
        .same_site(same_site.cookie_attribute())
        .max_age(CookieDuration::milliseconds(ttl_ms))
        .finish()
}

/// A cookie that makes the browser forget a session cookie.
pub fn removal(name: &'static str, same_site: SameSite) -> Cookie<'static> {
    let mut cookie = cookie(name, String::new(), same_site);
    cookie.make_removal();
    cookie
}
