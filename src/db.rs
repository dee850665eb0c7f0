//! The SQLite database: pool (WAL, foreign keys), embedded migrations, seed data and reset.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::accounts::{Username, password, repo};
use crate::clock;
use crate::money::Money;

/// The seeded users: (username, password, opening balance in cents).
pub const SEED_USERS: &[(&str, &str, i64)] =
    &[("alice", "alice-pass", 100_000), ("bob", "bob-pass", 100_000), ("mallory", "mallory-pass", 1_000)];

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("database {path}: {source}")]
    Open { path: String, source: sqlx::Error },
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("seeding the database: {0}")]
    Seed(String),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
}

/// Opens (creating if needed) the database, applies migrations and seeds an empty one.
pub async fn open(path: &Path) -> Result<SqlitePool, DbError> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|source| DbError::Folder { path: folder.display().to_string(), source })?;
    }
    let shown = path.display().to_string();
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(|source| DbError::Open { path: shown.clone(), source })?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|source| DbError::Open { path: shown, source })?;
    sqlx::migrate!().run(&pool).await?;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&pool).await?;
    if users == 0 {
        seed(&pool).await?;
    }
    Ok(pool)
}

/// Restores the seeded balances and clears transfers (and with them what was concluded about
/// them, such as the lab's badges) and the audit log, in one transaction. Users, sessions and
/// certificates stay as they are.
pub async fn reset(pool: &SqlitePool) -> Result<(), DbError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for table in ["audit_events", "first_steps", "transfers"] {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
    }
    for (name, _, cents) in SEED_USERS {
        sqlx::query(
            "UPDATE accounts SET balance_cents = ? WHERE user_id = (SELECT id FROM users WHERE username = ?)",
        )
        .bind(cents)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn seed(pool: &SqlitePool) -> Result<(), DbError> {
    // Hash first (slow, off the async threads), then write everything in one transaction.
    let hashes = tokio::task::spawn_blocking(|| {
        SEED_USERS
            .iter()
            .map(|(_, pass, _)| password::hash(pass).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| DbError::Seed(e.to_string()))?
    .map_err(DbError::Seed)?;

    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for table in ["audit_events", "first_steps", "transfers", "csrf_tokens", "sessions", "accounts", "users"]
    {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
    }
    let now = clock::now_ms();
    for ((name, _, cents), hash) in SEED_USERS.iter().zip(&hashes) {
        let username = Username::parse(name).map_err(|e| DbError::Seed(e.to_string()))?;
        repo::create(&mut tx, &username, hash, Money::from_cents(*cents), now).await?;
    }
    tx.commit().await?;
    Ok(())
}
