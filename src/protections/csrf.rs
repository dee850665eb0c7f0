//! Synchronizer tokens: the second defence against cross-site request forgery.
//!
//! **Threat.** As for the origin check: another site makes the victim's browser send a
//! state-changing request with the victim's credentials.
//!
//! **Rule.** The bank keeps one random token per signed-in identity (per client-certificate
//! fingerprint, or per session, including the anonymous session that carries the login form),
//! puts it in every form it renders, and refuses a state-changing request whose `csrf_token` field
//! (or `X-CSRF-Token` header) does not match the token of the identity that sent it. Another site
//! cannot read the token, so it cannot forge the request. A framed bank page contains the token,
//! so the token does not stop clickjacking.
//!
//! **Flag.** `LAB_CSRF_TOKEN=on|off` (default `on`).

use std::fmt;

use sqlx::SqlitePool;
use uuid::Uuid;

use crate::clock;
use crate::crypto;

/// Form field and header that carry the token.
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// The identity a token is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A client certificate, by SHA-256 fingerprint.
    Certificate(String),
    /// A session (signed-in or anonymous), by id.
    Session(Uuid),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Certificate(fingerprint) => write!(f, "cert:{fingerprint}"),
            Self::Session(id) => write!(f, "session:{id}"),
        }
    }
}

/// The token of `subject`, created on first use.
pub async fn token_for(pool: &SqlitePool, subject: &Subject) -> sqlx::Result<String> {
    let key = subject.to_string();
    let session = match subject {
        Subject::Session(id) => Some(*id),
        Subject::Certificate(_) => None,
    };
    sqlx::query(
        "INSERT OR IGNORE INTO csrf_tokens (subject, session_id, token, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(&key)
    .bind(session)
    .bind(crypto::random_token())
    .bind(clock::now_ms())
    .execute(pool)
    .await?;
    sqlx::query_scalar("SELECT token FROM csrf_tokens WHERE subject = ?").bind(&key).fetch_one(pool).await
}

/// Checks a presented token. `Ok` carries a sentence for the audit log, `Err` the refusal reason.
pub async fn check(
    pool: &SqlitePool,
    subject: Option<&Subject>,
    presented: Option<&str>,
) -> sqlx::Result<Result<String, String>> {
    let Some(subject) = subject else {
        return Ok(Err("no signed-in identity or session to bind a token to".to_owned()));
    };
    let Some(presented) = presented.filter(|t| !t.is_empty()) else {
        return Ok(Err(format!("no {FIELD} field or X-CSRF-Token header was sent")));
    };
    let expected: Option<String> = sqlx::query_scalar("SELECT token FROM csrf_tokens WHERE subject = ?")
        .bind(subject.to_string())
        .fetch_optional(pool)
        .await?;
    Ok(match expected {
        None => Err(format!("no token was ever issued to {subject}")),
        Some(expected) if crypto::constant_time_eq(expected.as_bytes(), presented.as_bytes()) => {
            Ok(format!("the token matches the one issued to {subject}"))
        }
        Some(_) => Err(format!("the token does not match the one issued to {subject}")),
    })
}
