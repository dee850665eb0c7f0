//! Changes written with their audit rows, several to a transaction: a group commit.
//!
//! A transfer is one statement and its audit row, which must commit together. Written one at a
//! time, they queue behind the one writer, and each commit costs about 300 us here (the WAL frames
//! of every table and index it touched, and the trip to SQLite's thread and back): that was the
//! bank's ceiling on transfers per second, with the CPU half idle. The committer takes every
//! change waiting when the last commit ends (up to [`BATCH`]) and writes them in one transaction,
//! in the order they came. Each statement still sees what those before it wrote (money the first
//! spent is not there for the second; a request id executes once), each audit row is written only
//! with its own change, a crash keeps the whole batch or none of it, and no request has its answer
//! before the commit. If the batch fails, each change is written again alone, so one bad change
//! fails only itself.

use std::fmt::Write as _;

use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Column, Row};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::event::AuditEvent;
use super::store::{self, Change};
use crate::db::Writer;

/// Changes written in one transaction, at most: a bound on the batch's text and on what one
/// failing change makes the others wait for.
const BATCH: usize = 32;
/// Changes waiting for the committer, at most: a request beyond it waits to hand its change over.
const WAITING: usize = 256;
/// The name of the column that says "this change wrote, and here is its row" in a batch's answer.
const WROTE: &str = "audit_job_wrote";

/// What a change that wrote does with the rows its read-back found.
type Then = Box<dyn FnOnce(&[SqliteRow]) + Send + Sync>;

/// A change to write, the id and row that record it, what to do with what it read back (in the
/// order changes commit), and who waits for the outcome.
pub(super) struct Job {
    pub change: Change,
    pub id: Uuid,
    pub event: AuditEvent,
    pub then: Then,
    pub done: oneshot::Sender<sqlx::Result<bool>>,
}

/// Starts the committer on `writer`; `wrote` is called for each change that wrote. It ends when
/// the last sender is dropped.
pub(super) fn start(writer: Writer, wrote: impl Fn() + Send + 'static) -> mpsc::Sender<Job> {
    let (jobs, mut waiting) = mpsc::channel::<Job>(WAITING);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(BATCH);
        while waiting.recv_many(&mut batch, BATCH).await > 0 {
            match write(&writer, &batch).await {
                Ok(results) => {
                    for (job, read) in batch.drain(..).zip(results) {
                        finish(job, Ok(read), &wrote);
                    }
                }
                Err(error) if batch.len() == 1 => finish(batch.remove(0), Err(error), &wrote),
                Err(_) => {
                    for job in batch.drain(..) {
                        let alone = write(&writer, std::slice::from_ref(&job)).await;
                        finish(job, alone.map(|mut results| results.remove(0)), &wrote);
                    }
                }
            }
        }
    });
    jobs
}

fn finish(job: Job, outcome: sqlx::Result<Option<Vec<SqliteRow>>>, wrote: &impl Fn()) {
    let outcome = outcome.map(|read| match read {
        Some(rows) => {
            (job.then)(&rows);
            wrote();
            true
        }
        None => false,
    });
    // The request may have gone away: the change is written all the same.
    let _ = job.done.send(outcome);
}

/// Writes `jobs` in one transaction: for each, what its read-back found if its change wrote.
async fn write(writer: &Writer, jobs: &[Job]) -> sqlx::Result<Vec<Option<Vec<SqliteRow>>>> {
    let mut args = SqliteArguments::default();
    let mut sql = String::from("BEGIN IMMEDIATE; ");
    for (n, job) in jobs.iter().enumerate() {
        // Each statement's values are bound in the order its `?` appear, one statement after the
        // other: the change, its audit row, its read-back.
        (job.change.bind)(&mut args)?;
        let row = store::row_values(&mut args, job.id, &job.event)?;
        // `changes()` counts the rows the statement before wrote itself (not its triggers'): the
        // audit row is written only with its change, and the read-back only after both.
        let _ = write!(
            sql,
            "{}; INSERT INTO audit_events ({}) SELECT {row} WHERE changes() > 0 RETURNING {n} AS {WROTE}; ",
            job.change.sql,
            store::NEW_ROW,
        );
        if let Some(read) = &job.change.read_back {
            (read.bind)(&mut args)?;
            let _ = write!(sql, "SELECT * FROM ({}) WHERE changes() > 0; ", read.sql);
        }
    }
    sql.push_str("COMMIT");
    let rows = store::run_in_transaction(writer, &sql, args).await?;
    // The answer's rows in order: each change that wrote says so, then come the rows it read back.
    let mut results: Vec<Option<Vec<SqliteRow>>> = jobs.iter().map(|_| None).collect();
    let mut current = None;
    for row in rows {
        if row.columns().first().is_some_and(|c| c.name() == WROTE) {
            let n: i64 = row.try_get(0)?;
            current = usize::try_from(n).ok().filter(|n| *n < results.len());
            if let Some(n) = current {
                results[n] = Some(Vec::new());
            }
        } else if let Some(read) = current.and_then(|n| results[n].as_mut()) {
            read.push(row);
        }
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use sqlx::Arguments;

    use super::super::store::ReadBack;
    use super::*;

    /// A change that moves `cents` from alice to bob if she has them, reading back her balance.
    fn pay(cents: i64) -> Change {
        pay_from(alice(), bob(), cents)
    }

    /// A change that moves `cents` from `from` to `to` if `from` has them, reading back its balance.
    fn pay_from(from: Uuid, to: Uuid, cents: i64) -> Change {
        Change {
            sql: "UPDATE accounts SET balance_cents = balance_cents + (CASE WHEN user_id = ? THEN -? ELSE ? END) \
                  WHERE user_id IN (?, ?) AND (SELECT balance_cents FROM accounts WHERE user_id = ?) >= ?",
            bind: Box::new(move |args: &mut SqliteArguments<'static>| {
                let e = sqlx::Error::Encode;
                args.add(from).map_err(e)?;
                args.add(cents).map_err(e)?;
                args.add(cents).map_err(e)?;
                for user in [from, to, from] {
                    args.add(user).map_err(e)?;
                }
                args.add(cents).map_err(e)
            }),
            read_back: Some(ReadBack {
                sql: "SELECT balance_cents FROM accounts WHERE user_id = ?",
                bind: Box::new(move |args: &mut SqliteArguments<'static>| {
                    args.add(from).map_err(sqlx::Error::Encode)
                }),
            }),
        }
    }

    fn alice() -> Uuid {
        Uuid::from_u128(1)
    }

    fn bob() -> Uuid {
        Uuid::from_u128(2)
    }

    async fn lab() -> (tempfile::TempDir, sqlx::SqlitePool) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&dir.path().join("lab.db")).await.unwrap();
        sqlx::query("DELETE FROM accounts").execute(&pool).await.unwrap();
        for (user, name, cents) in [(alice(), "a", 1000), (bob(), "b", 0)] {
            sqlx::query("INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, '', 0)")
                .bind(user)
                .bind(name)
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query("INSERT INTO accounts (user_id, balance_cents) VALUES (?, ?)")
                .bind(user)
                .bind(cents)
                .execute(&pool)
                .await
                .unwrap();
        }
        (dir, pool)
    }

    #[tokio::test]
    async fn changes_waiting_together_commit_in_order_and_a_bad_one_fails_only_itself() {
        let (_dir, pool) = lab().await;
        let wrote = Arc::new(Mutex::new(0));
        let counted = wrote.clone();
        let commits = start(crate::db::Writer::new(&pool), move || *counted.lock().unwrap() += 1);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let broken = Change {
            sql: "INSERT INTO no_such_table VALUES (?1)",
            bind: Box::new(|_| Ok(())),
            read_back: None,
        };
        // Queued before the committer runs: one batch of four. Alice can pay 600 once, not twice.
        let results = queued(&commits, &seen, [pay(600), pay(600), broken, pay(400)]).await;
        assert_eq!(results[0], Ok(true));
        assert_eq!(results[1], Ok(false), "the second 600 found 400 left");
        assert!(results[2].as_ref().is_err_and(|e| e.contains("no_such_table")), "{:?}", results[2]);
        assert_eq!(results[3], Ok(true));
        assert_eq!(*seen.lock().unwrap(), vec![(0, vec![400]), (3, vec![0])], "read back in commit order");
        assert_eq!(*wrote.lock().unwrap(), 2);
        let audited: Vec<String> = sqlx::query_scalar("SELECT reason FROM audit_events ORDER BY at, id")
            .fetch_all(&pool)
            .await
            .unwrap();
        let audited: Vec<&str> =
            audited.iter().filter(|r| r.starts_with("change")).map(String::as_str).collect();
        assert_eq!(audited, ["change 0", "change 3"], "a row only with a change that wrote");
        let balances: Vec<i64> =
            sqlx::query_scalar("SELECT balance_cents FROM accounts ORDER BY balance_cents")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(balances, [0, 1000], "money conserved");

        // A batch with nothing wrong in it: each change's rows come back to it.
        seen.lock().unwrap().clear();
        let back =
            [pay_from(bob(), alice(), 250), pay_from(bob(), alice(), 750), pay_from(bob(), alice(), 1)];
        let results = queued(&commits, &seen, back).await;
        assert_eq!(results, [Ok(true), Ok(true), Ok(false)]);
        assert_eq!(*seen.lock().unwrap(), vec![(0, vec![750]), (1, vec![0])]);
    }

    /// Which change read back which balances.
    type Seen = Arc<Mutex<Vec<(usize, Vec<i64>)>>>;

    /// Queues `changes` at once (the committer runs only when this awaits) and waits for them.
    async fn queued<const N: usize>(
        commits: &mpsc::Sender<Job>,
        seen: &Seen,
        changes: [Change; N],
    ) -> Vec<Result<bool, String>> {
        let mut outcomes = Vec::new();
        for (n, change) in changes.into_iter().enumerate() {
            let (done, outcome) = oneshot::channel();
            let seen = seen.clone();
            let then = Box::new(move |rows: &[SqliteRow]| {
                let left: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
                seen.lock().unwrap().push((n, left));
            });
            let event = AuditEvent::housekeeping(format!("change {n}"));
            let job = Job { change, id: Uuid::now_v7(), event, then, done };
            commits.try_send(job).unwrap_or_else(|_| panic!("queued"));
            outcomes.push(outcome);
        }
        let mut results = Vec::new();
        for outcome in outcomes {
            results.push(outcome.await.unwrap().map_err(|e| e.to_string()));
        }
        results
    }
}
