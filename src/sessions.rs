//! Cookie sessions, for password sign-in (`LAB_MTLS=optional|off`).
//!
//! The cookie carries 32 random bytes; the database keeps only their SHA-256, so a copy of the
//! database holds no usable session. Sessions expire, and signing in always starts a new one
//! (rotation), so a session id planted before sign-in is worthless after it.

use actix_web::cookie::{Cookie, time::Duration as CookieDuration};
use sqlx::SqlitePool;
use uuid::Uuid;

use crate::clock;
use crate::crypto;
use crate::protections::SameSite;

pub const COOKIE: &str = "lab_session";

/// How long a session lasts.
const TTL_MS: i64 = 8 * 60 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub id: Uuid,
    /// `None` for the anonymous session that carries the login form.
    pub user_id: Option<Uuid>,
    pub expires_at: i64,
}

/// Starts a session; returns it with the cookie value to send.
pub async fn start(pool: &SqlitePool, user_id: Option<Uuid>) -> sqlx::Result<(Session, String)> {
    let token = crypto::random_token();
    let now = clock::now_ms();
    let session = Session { id: Uuid::new_v4(), user_id, expires_at: now + TTL_MS };
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

/// The live session a cookie value names, if any.
pub async fn find(pool: &SqlitePool, token: &str) -> sqlx::Result<Option<Session>> {
    sqlx::query_as("SELECT id, user_id, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?")
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

/// The session cookie: always `HttpOnly; Secure; Path=/`, SameSite as configured.
pub fn cookie(value: String, same_site: SameSite) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(true)
        .same_site(same_site.cookie_attribute())
        .max_age(CookieDuration::milliseconds(TTL_MS))
        .finish()
}

/// A cookie that makes the browser forget the session.
pub fn removal(same_site: SameSite) -> Cookie<'static> {
    let mut cookie = cookie(String::new(), same_site);
    cookie.make_removal();
    cookie
}
