//! The bank's keys, one stored row per purpose (`secrets`): made once per database at start-up
//! and read back, so a page view writes nothing and what is computed under a key survives a
//! restart.

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
