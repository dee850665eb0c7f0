//! The key the bank computes its CSRF tokens under (HMAC-SHA256 of the identity a token is
//! bound to): made once per database and kept in it, so a page view writes nothing and a token
//! survives a restart. The rule that checks tokens is in [`super::csrf`].

use ring::hmac;
use sqlx::SqlitePool;

use crate::{crypto, secrets};

/// The key tokens are computed under: made once per database ([`CsrfKey::load`]), kept in it.
#[derive(Clone)]
pub struct CsrfKey(hmac::Key);

impl CsrfKey {
    /// The database's key, made on first use (at start-up, never on a page view).
    pub async fn load(pool: &SqlitePool) -> sqlx::Result<Self> {
        let key = secrets::load(pool, "csrf").await?;
        Ok(Self(hmac::Key::new(hmac::HMAC_SHA256, &key)))
    }

    /// A key of its own, for tests of the rule.
    pub fn random() -> Self {
        Self(hmac::Key::generate(hmac::HMAC_SHA256, &ring::rand::SystemRandom::new()).expect("random key"))
    }

    /// The token of the identity `subject` (`cert:<fingerprint>`, `session:<id>`): the same on
    /// every page, and no write.
    pub fn token_for(&self, subject: &str) -> String {
        crypto::hex(hmac::sign(&self.0, subject.as_bytes()).as_ref())
    }
}

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(..)")
    }
}
