//! One connection on the database for the audit recorder, which writes every state-changing
//! request's row and every transfer, held by one writer at a time.
//!
//! Its writes queue here, in the process, instead of meeting each other in SQLite's busy handler
//! (which sleeps a millisecond or more per try), and its page cache is not emptied by the other
//! connections' writes. It is held directly rather than as a pool of one, because a pool tests a
//! connection each time it comes back: one more round trip to the connection's thread per write.
//! Measured with `examples/transfers`, five interleaved rounds each (medians): a connection of its
//! own instead of the shared pool, +17 % transfers a second; held directly, +15 % more.

use std::sync::Arc;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, SqlitePool};
use tokio::sync::{Mutex, MutexGuard};

#[derive(Debug, Clone)]
pub struct Writer {
    options: Arc<SqliteConnectOptions>,
    connection: Arc<Mutex<Option<SqliteConnection>>>,
}

/// The connection, while one writer holds it.
pub struct Held<'a>(MutexGuard<'a, Option<SqliteConnection>>);

impl Writer {
    /// A writer on `pool`'s database, with its options; it connects when first used.
    pub fn new(pool: &SqlitePool) -> Self {
        Self { options: pool.connect_options(), connection: Arc::new(Mutex::new(None)) }
    }

    /// Waits for the connection (connecting again if the last holder gave it up).
    pub async fn hold(&self) -> sqlx::Result<Held<'_>> {
        let mut held = self.connection.lock().await;
        if held.is_none() {
            *held = Some(self.options.connect().await?);
        }
        Ok(Held(held))
    }
}

impl Held<'_> {
    pub fn connection(&mut self) -> &mut SqliteConnection {
        self.0.as_mut().expect("a held writer is connected")
    }

    /// Gives the connection up (it may be in a state the next writer must not inherit): the next
    /// holder connects afresh.
    pub fn discard(mut self) {
        self.0.take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_discarded_connection_takes_its_transaction_with_it_and_the_next_holder_connects_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&dir.path().join("lab.db")).await.unwrap();
        let writer = Writer::new(&pool);
        let mut held = writer.hold().await.unwrap();
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *held.connection()).await.unwrap();
        sqlx::query("UPDATE accounts SET balance_cents = 0").execute(&mut *held.connection()).await.unwrap();
        held.discard();

        let mut held = writer.hold().await.unwrap();
        // A new connection: no transaction is open on it (the old one's went with it, rolled back).
        let error = sqlx::query("COMMIT").execute(&mut *held.connection()).await.unwrap_err();
        assert!(error.to_string().contains("no transaction is active"), "{error}");
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *held.connection()).await.unwrap();
        sqlx::query("COMMIT").execute(&mut *held.connection()).await.unwrap();
        let zero: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE balance_cents = 0")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(zero, 0, "the discarded transaction's change was never committed");
    }
}
