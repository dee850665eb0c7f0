//! The one writer of the audit log.
//!
//! A request's row is written before its answer leaves ([`Recorder::record`]), so whoever reads
//! the log after an answer finds it. The TLS verifier cannot wait for the database in the middle
//! of a handshake: it hands its rows over with [`Recorder::record_soon`], through a bounded queue
//! that a task drains; beyond [`QUEUE`] waiting rows, a refusal is logged and dropped.

use sqlx::SqlitePool;
use tokio::sync::mpsc;

use super::event::AuditEvent;
use super::store;

/// Rows waiting for the database, at most.
const QUEUE: usize = 1024;

#[derive(Debug, Clone)]
pub struct Recorder {
    pool: SqlitePool,
    queue: mpsc::Sender<AuditEvent>,
}

impl Recorder {
    /// A recorder writing to `pool`, and the task that drains its queue (it ends when the last
    /// recorder is dropped).
    pub fn start(pool: SqlitePool) -> Self {
        let (queue, mut waiting) = mpsc::channel::<AuditEvent>(QUEUE);
        let drain = pool.clone();
        tokio::spawn(async move {
            while let Some(event) = waiting.recv().await {
                write(&drain, &event).await;
            }
        });
        Self { pool, queue }
    }

    /// Writes the row now.
    pub async fn record(&self, event: AuditEvent) {
        write(&self.pool, &event).await;
    }

    /// Queues the row, from code that cannot wait (the TLS handshake).
    pub fn record_soon(&self, event: AuditEvent) {
        if self.queue.try_send(event).is_err() {
            // A flood of bad handshakes must not queue without bound: the log says so instead.
            tracing::warn!("audit queue full: a refused handshake was not recorded");
        }
    }
}

async fn write(pool: &SqlitePool, event: &AuditEvent) {
    if let Err(e) = store::insert(pool, event).await {
        tracing::error!(
            "could not record the audit event for {} {}: {e}",
            event.request.method,
            event.request.path
        );
    }
}
