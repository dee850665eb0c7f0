//! The key the bank computes its CSRF tokens under (HMAC-SHA256 of the identity a token is
//! bound to): made once per database and kept in it, so a page view writes nothing and a token
//! survives a restart. The rule that checks tokens is in [`super::csrf`].

use sqlx::SqlitePool;

use crate::{crypto, secrets};

/// The key tokens are computed under: made once per database ([`CsrfKey::load`]), kept in it.
#[derive(Clone, Debug)]
pub struct CsrfKey(secrets::Key);

impl CsrfKey {
    /// The database's key, made on first use (at start-up, never on a page view).
    pub async fn load(pool: &SqlitePool) -> sqlx::Result<Self> {
        Ok(Self(secrets::Key::load(pool, "csrf").await?))
    }

    /// A key of its own, for tests of the rule.
    pub fn random() -> Self {
        Self(secrets::Key::random())
    }

    /// The token of the identity `subject` (`cert:<fingerprint>`, `session:<id>`): the same on
    /// every page, and no write.
    pub fn token_for(&self, subject: &str) -> String {
        crypto::hex(self.0.sign(&[subject.as_bytes()]).as_ref())
    }
}
