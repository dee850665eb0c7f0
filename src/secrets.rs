//! The bank's keys, one stored row per purpose (`secrets`): made once per database at start-up
//! and read back, so a page view writes nothing and what is computed under a key survives a
//! restart.

use ring::hmac;
use sqlx::SqlitePool;

/// The 32-byte secret called `name`, made on first use (at start-up, never on a page view).
pub async fn load(pool: &SqlitePool, name: &str) -> sqlx::Result<Vec<u8>> {
    let mut fresh = [0u8; 32];
    crate::crypto::fill_random(&mut fresh);
    sqlx::query("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)")
        .bind(name)
        .bind(&fresh[..])
        .execute(pool)
        .await?;
    sqlx::query_scalar("SELECT value FROM secrets WHERE name = ?").bind(name).fetch_one(pool).await
}

/// An HMAC-SHA256 key for one purpose: what the bank hands out and checks later without storing it.
#[derive(Clone)]
pub struct Key(hmac::Key);

impl Key {
    /// The database's key called `name`, made on first use.
    pub async fn load(pool: &SqlitePool, name: &str) -> sqlx::Result<Self> {
        Ok(Self(hmac::Key::new(hmac::HMAC_SHA256, &load(pool, name).await?)))
    }

    /// A key of its own, for tests.
    pub fn random() -> Self {
        Self(hmac::Key::generate(hmac::HMAC_SHA256, &ring::rand::SystemRandom::new()).expect("random key"))
    }

    /// The tag of `parts`, in order (callers give each a fixed length or a separator).
    pub fn sign(&self, parts: &[&[u8]]) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.0);
        for part in parts {
            ctx.update(part);
        }
        ctx.sign()
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}
