//! What practice keeps in the database: every stored version of an exploit, and every delivery
//! and its report. A reset of the bank keeps all of it (and the hints, [`super::progress`]).

use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use uuid::Uuid;

use crate::clock;

/// The largest exploit page the server stores.
pub const MAX_BODY: usize = 256 * 1024;
/// Deliveries whose screenshots are kept on disk (older ones keep their report, not their pictures).
pub const RUNS_KEPT: i64 = 100;

#[derive(Debug, Clone)]
pub struct Exploit {
    pub id: i64,
    pub challenge: String,
    pub body: String,
    pub stored_at: i64,
}

crate::from_row!(Exploit { id, challenge, body, stored_at });

/// The state of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Queued,
    Running,
    Done,
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "done" => Self::Done,
            _ => Self::Failed,
        }
    }
}

/// One delivery, as kept.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub id: Uuid,
    pub challenge: String,
    pub exploit_id: i64,
    pub engine: String,
    pub state: State,
    pub outcome: Option<String>,
    pub reason: Option<String>,
    pub solved: bool,
    pub protections: String,
    pub report: Option<String>,
    pub queued_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

struct RawRun {
    id: Uuid,
    challenge: String,
    exploit_id: i64,
    engine: String,
    state: String,
    outcome: Option<String>,
    reason: Option<String>,
    solved: bool,
    protections: String,
    report: Option<String>,
    queued_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

crate::from_row!(RawRun {
    id,
    challenge,
    exploit_id,
    engine,
    state,
    outcome,
    reason,
    solved,
    protections,
    report,
    queued_at,
    started_at,
    finished_at
});

impl From<RawRun> for RunRow {
    fn from(r: RawRun) -> Self {
        Self {
            id: r.id,
            challenge: r.challenge,
            exploit_id: r.exploit_id,
            engine: r.engine,
            state: State::parse(&r.state),
            outcome: r.outcome,
            reason: r.reason,
            solved: r.solved,
            protections: r.protections,
            report: r.report,
            queued_at: r.queued_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

/// Stores `body` as the newest version of `challenge`'s exploit (the same page again is not a
/// new version: its id is returned).
pub async fn store_exploit(pool: &SqlitePool, challenge: &str, body: &str) -> sqlx::Result<i64> {
    if let Some(newest) = latest(pool, challenge).await?
        && newest.body == body
    {
        return Ok(newest.id);
    }
    let row: (i64,) =
        sqlx::query_as("INSERT INTO exploits (challenge, body, stored_at) VALUES (?, ?, ?) RETURNING id")
            .bind(challenge)
            .bind(body)
            .bind(clock::now_ms())
            .fetch_one(pool)
            .await?;
    Ok(row.0)
}

/// The newest stored version of `challenge`'s exploit.
pub async fn latest(pool: &SqlitePool, challenge: &str) -> sqlx::Result<Option<Exploit>> {
    sqlx::query_as(
        "SELECT id, challenge, body, stored_at FROM exploits WHERE challenge = ? ORDER BY id DESC LIMIT 1",
    )
    .bind(challenge)
    .fetch_optional(pool)
    .await
}

pub async fn exploit(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<Exploit>> {
    sqlx::query_as("SELECT id, challenge, body, stored_at FROM exploits WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The stored versions of `challenge`'s exploit, newest first (id, when, size in bytes).
pub async fn history(pool: &SqlitePool, challenge: &str) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    sqlx::query_as(
        "SELECT id, stored_at, length(CAST(body AS BLOB)) FROM exploits WHERE challenge = ? ORDER BY id DESC LIMIT 50",
    )
    .bind(challenge)
    .fetch_all(pool)
    .await
}

pub async fn queue_run(
    pool: &SqlitePool,
    challenge: &str,
    exploit_id: i64,
    engine: &str,
    protections: &str,
) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO victim_runs (id, challenge, exploit_id, engine, state, protections, queued_at) \
         VALUES (?, ?, ?, ?, 'queued', ?, ?)",
    )
    .bind(id)
    .bind(challenge)
    .bind(exploit_id)
    .bind(engine)
    .bind(protections)
    .bind(clock::now_ms())
    .execute(pool)
    .await?;
    Ok(id)
}

/// The delivery starts, under `protections` (`FLAG=value ...`).
pub async fn mark_running(pool: &SqlitePool, id: Uuid, protections: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE victim_runs SET state = 'running', started_at = ?, protections = ? WHERE id = ?")
        .bind(clock::now_ms())
        .bind(protections)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// How a delivery ended.
pub struct Finish<'a> {
    pub state: State,
    pub outcome: &'a str,
    pub reason: &'a str,
    pub solved: bool,
    pub report: &'a str,
}

pub async fn finish(pool: &SqlitePool, id: Uuid, end: &Finish<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE victim_runs SET state = ?, outcome = ?, reason = ?, solved = ?, report = ?, finished_at = ? \
         WHERE id = ?",
    )
    .bind(end.state.as_str())
    .bind(end.outcome)
    .bind(end.reason)
    .bind(end.solved)
    .bind(end.report)
    .bind(clock::now_ms())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Deliveries a stopped lab left queued or running: failed, with the reason.
pub async fn fail_unfinished(pool: &SqlitePool) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE victim_runs SET state = 'failed', outcome = 'error', finished_at = ?, \
         reason = 'the lab stopped before this delivery finished; deliver it again' \
         WHERE state IN ('queued', 'running')",
    )
    .bind(clock::now_ms())
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

const RUN_COLUMNS: &str = "id, challenge, exploit_id, engine, state, outcome, reason, solved, \
                           protections, report, queued_at, started_at, finished_at";

pub async fn run(pool: &SqlitePool, id: Uuid) -> sqlx::Result<Option<RunRow>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM victim_runs WHERE id = ?");
    let raw: Option<RawRun> = sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?;
    Ok(raw.map(RunRow::from))
}

/// The newest deliveries of `challenge` (all challenges: `None`).
pub async fn recent_runs(
    pool: &SqlitePool,
    challenge: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM victim_runs WHERE (?1 IS NULL OR challenge = ?1) ORDER BY queued_at DESC LIMIT ?2"
    );
    let raw: Vec<RawRun> = sqlx::query_as(&sql).bind(challenge).bind(limit).fetch_all(pool).await?;
    Ok(raw.into_iter().map(RunRow::from).collect())
}

/// How many deliveries are ahead of `id` in the queue.
pub async fn ahead_of(pool: &SqlitePool, id: Uuid, queued_at: i64) -> sqlx::Result<i64> {
    let row: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM victim_runs WHERE state IN ('queued', 'running') AND (queued_at < ? OR \
         (queued_at = ? AND id < ?))",
    )
    .bind(queued_at)
    .bind(queued_at)
    .bind(id)
    .fetch_one(pool)
    .await?;
    Ok(row.0)
}

/// Runs older than the newest [`RUNS_KEPT`]: their screenshots may go.
pub async fn expired_runs(pool: &SqlitePool) -> sqlx::Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> =
        sqlx::query_as("SELECT id FROM victim_runs ORDER BY queued_at DESC LIMIT 20 OFFSET ?")
            .bind(RUNS_KEPT)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
