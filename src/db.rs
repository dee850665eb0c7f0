//! The SQLite database: pool (WAL, foreign keys), embedded migrations, seed data and reset.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

mod migrations;
mod rows;
mod writer;

pub use writer::Writer;

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
    /// The user running the lab may not write the database or its folder.
    #[error("{0}")]
    Access(String),
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("seeding the database: {0}")]
    Seed(String),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
}

/// Opens (creating if needed) the database, applies migrations and seeds an empty one. When that
/// fails because the file or its folder may not be written, the error says which and how to fix it
/// (SQLite itself says only "unable to open database file").
pub async fn open(path: &Path) -> Result<SqlitePool, DbError> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        // A folder the lab makes is the lab's alone; one that was there (say /tmp) stays as it is.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(folder)
            .map_err(|source| DbError::Folder { path: folder.display().to_string(), source })?;
    }
    if let Some(problem) = access_problem(path) {
        return Err(DbError::Access(problem));
    }
    private_files(path).map_err(|source| DbError::Folder { path: path.display().to_string(), source })?;
    let shown = path.display().to_string();
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(|source| DbError::Open { path: shown.clone(), source })?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Checkpoints (copying the write-ahead log into the database, and the one fsync) run on a
        // task of their own, every 250 ms, not inside whichever request commits the 1000th page.
        .pragma("wal_autocheckpoint", "0")
        // And after one, the log file is cut back to at most this many bytes.
        .pragma("journal_size_limit", "16777216");
    // A connection to a local file does not go stale: no ping before each use (it would cost every
    // query a second round trip to the connection's thread).
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(|source| DbError::Open { path: shown, source })?;
    migrations::migrator().await?.run(&pool).await?;
    tokio::spawn(checkpoints(pool.clone()));
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&pool).await?;
    if users == 0 {
        seed(&pool).await?;
    }
    Ok(pool)
}

/// How often the write-ahead log is copied into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Copies the write-ahead log into the database every [`CHECKPOINT_EVERY`], until the pool closes.
/// A RESTART checkpoint waits (within the busy timeout) for the readers of the log to finish, so
/// that the next write starts the log over: a passive one let it grow without bound under load.
async fn checkpoints(pool: SqlitePool) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match sqlx::query("PRAGMA wal_checkpoint(RESTART)").execute(&pool).await {
            Ok(_) => {}
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => tracing::warn!("checkpointing the database: {e}"),
        }
    }
}

/// The database holds password and session hashes: the file is created 0600 before SQLite opens
/// it (SQLite gives its `-wal` and `-shm` files the database's mode), and an existing file and its
/// companions are set to 0600.
fn private_files(path: &Path) -> std::io::Result<()> {
    if !path.exists() {
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        if file.exists() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

/// Why the user running the lab cannot write the database at `path`, if that is the trouble:
/// SQLite writes the file and, beside it, its `-wal` and `-shm` files.
fn access_problem(path: &Path) -> Option<String> {
    use std::fs::OpenOptions;
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let fix = "or set LAB_DATABASE to a file in a folder this user can write";
    if path.exists() && OpenOptions::new().read(true).write(true).open(path).is_err() {
        return Some(format!(
            "the database {} may not be written by the user running the lab: it needs read and write \
             permission (chmod u+rw {}), {fix}",
            path.display(),
            path.display()
        ));
    }
    let beside = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name).exists()
    };
    if path.exists() && beside("-wal") && beside("-shm") {
        return None;
    }
    let probe = folder.join(format!(".clickjack-lab-write-test-{}", std::process::id()));
    match OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(_) => Some(format!(
            "the folder {} may not be written by the user running the lab: SQLite creates {} and its \
             -wal and -shm files there, so the folder needs write permission (chmod u+rwx {}), {fix}",
            folder.display(),
            path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
            folder.display()
        )),
    }
}

/// Restores the seeded balances and clears transfers (and with them what was concluded about
/// them, such as the lab's badges) and the audit log, in one transaction. Users, sessions and
/// certificates stay as they are. Then the file gives back the space the cleared rows took (a
/// flooded audit log must not leave the file at its flooded size).
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
    // VACUUM cannot run inside a transaction; the checkpoint after it shrinks the file itself.
    sqlx::query("VACUUM").execute(pool).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
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
    for table in ["audit_events", "first_steps", "transfers", "sessions", "accounts", "users"] {
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
