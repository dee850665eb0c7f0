//! The one writer of the audit log, and what keeps it bounded.
//!
//! A request's row is written before its answer leaves ([`Recorder::record`]), so whoever reads
//! the log after an answer finds it. The TLS verifier cannot wait for the database in the middle
//! of a handshake: it hands its rows over with [`Recorder::record_soon`], through a bounded queue
//! that a task drains; beyond [`QUEUE`] waiting rows, a refusal is logged and dropped.
//!
//! Bounded under a flood: a row with a source (a refusal, a CSP report) that repeats within
//! [`COLLAPSE_MS`] bumps the count of the first row (`repeats`, shown as "×N") instead of adding
//! one; every [`TRIM_EVERY`] new rows (and at start) the table is cut back to
//! `LAB_AUDIT_MAX_ROWS`, oldest first, and the trim is itself a row. Values are capped by
//! [`super::capped`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use sqlx::sqlite::{SqliteConnection, SqliteRow};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::commits::{self, Job};
use super::event::AuditEvent;
use super::store::{self, Change};
use crate::clock;
use crate::db::Writer;

/// Rows waiting for the database, at most.
const QUEUE: usize = 1024;
/// How long a repeat of the same source collapses into the first row.
pub const COLLAPSE_MS: i64 = 60_000;
/// New rows between two looks at the table's size: the count is not on every insert's path.
pub const TRIM_EVERY: u64 = 64;

#[derive(Debug, Clone)]
pub struct Recorder {
    writer: Writer,
    queue: mpsc::Sender<AuditEvent>,
    commits: mpsc::Sender<Job>,
    bounds: Arc<Bounds>,
}

#[derive(Debug)]
struct Bounds {
    max_rows: u64,
    inserted: AtomicU64,
    trimming: AtomicBool,
}

impl Recorder {
    /// A recorder writing through `writer`, keeping at most about `max_rows` rows, and the task
    /// that drains its queue (it ends when the last recorder is dropped).
    pub fn start(writer: Writer, max_rows: u64) -> Self {
        let (queue, mut waiting) = mpsc::channel::<AuditEvent>(QUEUE);
        let bounds =
            Arc::new(Bounds { max_rows, inserted: AtomicU64::new(0), trimming: AtomicBool::new(false) });
        let counting = Drain { writer: writer.clone(), bounds: bounds.clone() };
        let commits = commits::start(writer.clone(), move || counting.counted());
        let recorder = Self { writer, queue, commits, bounds };
        let drain = recorder.clone_for_drain();
        tokio::spawn(async move {
            while let Some(event) = waiting.recv().await {
                drain.write(&event).await;
            }
        });
        recorder.trim_soon();
        recorder
    }

    /// Writes the row now.
    pub async fn record(&self, event: AuditEvent) {
        self.write(&event).await;
    }

    /// Runs `change` and writes `event` with it, in one transaction, if the change wrote a row (a
    /// transfer and the row that records it: a crash leaves both or neither); with other changes
    /// waiting at the same moment ([`commits`]). The row's id when it did. It runs to the end on
    /// the committer's task, even if the request that asked goes away. Such a row never collapses
    /// with another. `then` gets what the change's read-back found, in the order changes commit.
    pub async fn record_with(
        &self,
        change: Change,
        event: AuditEvent,
        then: impl FnOnce(&[SqliteRow]) + Send + Sync + 'static,
    ) -> sqlx::Result<Option<Uuid>> {
        let id = Uuid::now_v7();
        let (done, outcome) = oneshot::channel();
        let job = Job { change, id, event, then: Box::new(then), done };
        self.commits.send(job).await.map_err(|_| sqlx::Error::WorkerCrashed)?;
        let wrote = outcome.await.map_err(|_| sqlx::Error::WorkerCrashed)??;
        Ok(wrote.then_some(id))
    }

    /// Brings a row written by [`Self::record_with`] up to date with what was noted after it was
    /// written (an observer's remarks).
    pub async fn amend(&self, id: Uuid, event: &AuditEvent) {
        let amended = match self.writer.hold().await {
            Ok(mut held) => store::amend(held.connection(), id, event).await,
            Err(e) => Err(e),
        };
        if let Err(e) = amended {
            tracing::error!(
                "could not add to the audit row of {} {}: {e}",
                event.request.method,
                event.request.path
            );
        }
    }

    /// Queues the row, from code that cannot wait (the TLS handshake).
    pub fn record_soon(&self, event: AuditEvent) {
        if self.queue.try_send(event).is_err() {
            // A flood of bad handshakes must not queue without bound: the log says so instead.
            tracing::warn!("audit queue full: a refused handshake was not recorded");
        }
    }

    /// A recorder sharing the writer and bounds but not the queue, so the drain task does not keep
    /// its own queue open.
    fn clone_for_drain(&self) -> Drain {
        Drain { writer: self.writer.clone(), bounds: self.bounds.clone() }
    }

    async fn write(&self, event: &AuditEvent) {
        self.clone_for_drain().write(event).await;
    }

    fn trim_soon(&self) {
        self.clone_for_drain().trim_soon();
    }
}

/// What writes rows: the writer and the bounds.
#[derive(Debug, Clone)]
struct Drain {
    writer: Writer,
    bounds: Arc<Bounds>,
}

impl Drain {
    async fn write(&self, event: &AuditEvent) {
        let result = match self.writer.hold().await {
            Ok(mut held) => Self::write_on(held.connection(), event).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(true) => self.counted(),
            Ok(false) => {}
            Err(e) => tracing::error!(
                "could not record the audit event for {} {}: {e}",
                event.request.method,
                event.request.path
            ),
        }
    }

    /// Bumps the row `event` repeats, or writes a new one: whether it wrote a new one.
    async fn write_on(connection: &mut SqliteConnection, event: &AuditEvent) -> sqlx::Result<bool> {
        if let Some(source) = &event.source {
            let now = clock::now_ms();
            if store::bump(connection, source, now - COLLAPSE_MS, now).await? {
                return Ok(false);
            }
        }
        store::insert(connection, Uuid::now_v7(), event).await.map(|()| true)
    }

    /// One more row: every [`TRIM_EVERY`] rows, the table is cut back to its cap.
    fn counted(&self) {
        if self.bounds.inserted.fetch_add(1, Ordering::Relaxed) % TRIM_EVERY == TRIM_EVERY - 1 {
            self.trim_soon();
        }
    }

    /// Cuts the table back to its cap on a task of its own (one at a time), and records the trim.
    fn trim_soon(&self) {
        if self.bounds.trimming.swap(true, Ordering::AcqRel) {
            return;
        }
        let drain = self.clone();
        tokio::spawn(async move {
            let max = drain.bounds.max_rows;
            match drain.writer.hold().await {
                Ok(mut held) => Self::trim_on(held.connection(), max).await,
                Err(e) => tracing::error!("could not trim the audit log: {e}"),
            }
            drain.bounds.trimming.store(false, Ordering::Release);
        });
    }

    /// Cuts the table back to `max` rows (with the row recording the trim).
    async fn trim_on(connection: &mut SqliteConnection, max: u64) {
        // One row less than the cap, so that with the trim's own row the table holds the cap.
        match store::trim(connection, max.saturating_sub(1)).await {
            Ok(0) => {}
            Ok(gone) => {
                let why = format!(
                    "trimmed {gone} oldest rows: the audit log keeps at most {max} (LAB_AUDIT_MAX_ROWS)"
                );
                tracing::info!("{why}");
                if let Err(e) =
                    store::insert(connection, Uuid::now_v7(), &AuditEvent::housekeeping(why)).await
                {
                    tracing::error!("could not record the audit log's trim: {e}");
                }
            }
            Err(e) => tracing::error!("could not trim the audit log: {e}"),
        }
    }
}
