//! The login form's anonymous session, kept in its cookie alone: `<32 random bytes, hex>.<expiry,
//! ms>.<HMAC-SHA256 of both, hex>` under a key of the database's (`secrets`, row `login_form`).
//! Showing the login form writes nothing, so no table grows with visits to it; the form's CSRF
//! token is bound to the session id the random bytes name, as a stored session's would be. The
//! cookie is `__Host-` (see [`super`]), so another site cannot plant one; a copy of one is no
//! more than the form it came with (it signs no one in).

use ring::digest;
use sqlx::SqlitePool;

use super::{PRE_LOGIN_TTL_MS, Session};
use crate::{crypto, secrets};

/// The key login-form cookies are signed under.
#[derive(Clone, Debug)]
pub struct LoginForms(secrets::Key);

impl LoginForms {
    /// The database's key, made on first use (at start-up, never on a page view).
    pub async fn load(pool: &SqlitePool) -> sqlx::Result<Self> {
        Ok(Self(secrets::Key::load(pool, "login_form").await?))
    }

    /// A key of its own, for tests.
    pub fn random() -> Self {
        Self(secrets::Key::random())
    }

    /// A fresh anonymous session for a login form shown at `now` (ms), and its cookie's value.
    pub fn issue(&self, now: i64) -> (Session, String) {
        let random = crypto::random_token();
        let expires_at = now + PRE_LOGIN_TTL_MS;
        let value = format!("{random}.{expires_at}.{}", self.tag(&random, expires_at));
        (session(&random, expires_at), value)
    }

    /// The live anonymous session a cookie's value carries: `None` if it is malformed, its tag is
    /// not this bank's, or it has expired.
    pub fn open(&self, value: &str, now: i64) -> Option<Session> {
        let mut parts = value.split('.');
        let (random, expires, tag) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || random.len() != 64 || !random.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let expires_at: i64 = expires.parse().ok()?;
        let genuine = crypto::constant_time_eq(self.tag(random, expires_at).as_bytes(), tag.as_bytes());
        (genuine && expires_at > now).then(|| session(random, expires_at))
    }

    fn tag(&self, random: &str, expires_at: i64) -> String {
        crypto::hex(self.0.sign(&[random.as_bytes(), b".", expires_at.to_string().as_bytes()]).as_ref())
    }
}

/// The session a cookie's random part names: its id is derived from it, so the CSRF token bound to
/// the id is the same on every page shown with that cookie.
fn session(random: &str, expires_at: i64) -> Session {
    let digest = digest::digest(&digest::SHA256, random.as_bytes());
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest.as_ref()[..16]);
    Session { id: uuid::Builder::from_custom_bytes(id).into_uuid(), user_id: None, expires_at }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_opens_to_its_own_session_until_it_expires() {
        let forms = LoginForms::random();
        let (session, value) = forms.issue(1_000);
        assert_eq!(session.user_id, None);
        assert_eq!(session.expires_at, 1_000 + PRE_LOGIN_TTL_MS);
        assert_eq!(forms.open(&value, 1_001), Some(session.clone()));
        assert_eq!(forms.open(&value, session.expires_at), None, "expired");
        assert_ne!(forms.issue(1_000).0.id, session.id, "fresh per form");
    }

    #[test]
    fn a_forged_altered_or_foreign_cookie_opens_nothing() {
        let forms = LoginForms::random();
        let (session, value) = forms.issue(1_000);
        let (random, rest) = value.split_once('.').unwrap();
        let (expires, tag) = rest.split_once('.').unwrap();
        let later = format!("{random}.{}.{tag}", session.expires_at + 3_600_000);
        assert_eq!(forms.open(&later, 1_001), None, "the expiry is signed");
        let other = format!("{}.{expires}.{tag}", crypto::random_token());
        assert_eq!(forms.open(&other, 1_001), None, "the random part is signed");
        assert_eq!(LoginForms::random().open(&value, 1_001), None, "another bank's key");
        for junk in ["", "..", "a.b.c", &format!("{value}.x"), &value[..value.len() - 1]] {
            assert_eq!(forms.open(junk, 1_001), None, "{junk:?}");
        }
    }
}
