//! The `audit_events` table: rows written, repeats collapsed, the oldest trimmed, and the page's
//! filtered reads.

use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqliteRow};
use sqlx::{Arguments, Encode, Sqlite, SqlitePool, Type};
use uuid::Uuid;

use super::event::AuditEvent;
use crate::db::Writer;

/// A change to the bank's tables that its audit row is written with ([`insert_with`]): one
/// statement, its arguments numbered `?1…?n`, and what to read back after it in its transaction
/// if it wrote (a `SELECT` with the same arguments: for a transfer, the balances it left).
#[derive(Debug)]
pub struct Change {
    pub sql: &'static str,
    pub args: SqliteArguments<'static>,
    pub read_back: Option<&'static str>,
}

const COLUMNS: &str = "at, username, cert_cn, cert_fingerprint, method, path, origin, referer, \
     sec_fetch_site, sec_fetch_mode, sec_fetch_dest, decision, decided_by, reason, checks, status, \
     repeats, last_at";

/// The columns a new row fills, in the order [`bind_row`] binds them.
const NEW_ROW: &str = "id, at, username, cert_cn, cert_fingerprint, method, path, origin, referer, \
     sec_fetch_site, sec_fetch_mode, sec_fetch_dest, decision, decided_by, reason, checks, status, source";
const NEW_ROW_VALUES: usize = 18;

pub(super) async fn insert(conn: &mut SqliteConnection, id: Uuid, event: &AuditEvent) -> sqlx::Result<()> {
    let mut args = SqliteArguments::default();
    bind_row(&mut args, id, event)?;
    sqlx::query_with(&format!("INSERT INTO audit_events ({NEW_ROW}) VALUES ({})", params(1)), args)
        .execute(conn)
        .await?;
    Ok(())
}

/// Runs `change` and, if it wrote a row, inserts the audit row `id` for it: one transaction, so a
/// crash leaves both or neither, and one round trip to the database (the statements go as one
/// batch). If it wrote, `then` is handed the rows the change's read-back found, while the writer
/// is still held (so in the order the changes committed). Whether the change wrote.
pub(super) async fn insert_with(
    writer: &Writer,
    change: Change,
    id: Uuid,
    event: &AuditEvent,
    then: impl FnOnce(&[SqliteRow]),
) -> sqlx::Result<bool> {
    let mut args = change.args;
    let first = args.len() + 1;
    bind_row(&mut args, id, event)?;
    // `changes()` counts the rows the statement before wrote itself (not those its triggers wrote).
    // The row that comes back says the change wrote: the batch's count of changed rows cannot,
    // as BEGIN and COMMIT report whatever the connection's last change was.
    // The read-back runs only if the audit row was written (`changes()` is then the insert's).
    // sqlx binds a batch's numbered parameters by number, but counts a statement's unused lower
    // numbers as positional ones across the batch and stops binding once that count passes the
    // values bound: a read-back names few, low-numbered parameters (the transfer's: ?3 and ?4).
    let read_back = change
        .read_back
        .map(|read| format!("SELECT * FROM ({read}) WHERE changes() > 0; "))
        .unwrap_or_default();
    let sql = format!(
        "BEGIN IMMEDIATE; {}; INSERT INTO audit_events ({NEW_ROW}) SELECT {} WHERE changes() > 0 \
         RETURNING 1; {read_back}COMMIT",
        change.sql,
        params(first)
    );
    let mut held = writer.hold().await?;
    match sqlx::query_with(&sql, args).fetch_all(&mut *held.connection()).await {
        Ok(rows) => {
            let wrote = !rows.is_empty();
            if wrote {
                then(&rows[1..]);
            }
            Ok(wrote)
        }
        Err(e) => {
            // The batch stopped at the failing statement: its transaction must not stay open for
            // the next writer. Without one open, ROLLBACK fails harmlessly.
            if let Err(rollback) = sqlx::query("ROLLBACK").execute(&mut *held.connection()).await
                && !rollback.to_string().contains("no transaction is active")
            {
                held.discard();
            }
            Err(e)
        }
    }
}

/// Rewrites what an observer added after the row was written (its remarks: the reason).
pub(super) async fn amend(conn: &mut SqliteConnection, id: Uuid, event: &AuditEvent) -> sqlx::Result<()> {
    sqlx::query("UPDATE audit_events SET reason = ?, checks = ?, status = ? WHERE id = ?")
        .bind(&event.reason)
        .bind(&event.checks)
        .bind(event.status)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// `?first, ?first+1, …` for a new row's values.
fn params(first: usize) -> String {
    (first..first + NEW_ROW_VALUES).map(|n| format!("?{n}")).collect::<Vec<_>>().join(", ")
}

fn bind_row(args: &mut SqliteArguments<'static>, id: Uuid, event: &AuditEvent) -> sqlx::Result<()> {
    let request = &event.request;
    add(args, id)?;
    add(args, event.at)?;
    for text in [&event.username, &event.cert_cn, &event.cert_fingerprint] {
        add(args, text.clone())?;
    }
    add(args, request.method.clone())?;
    add(args, request.path.clone())?;
    let headers = [&request.origin, &request.referer, &request.sec_fetch_site, &request.sec_fetch_mode];
    for text in headers.into_iter().chain([&request.sec_fetch_dest]) {
        add(args, text.clone())?;
    }
    for text in [&event.decision, &event.decided_by, &event.reason, &event.checks] {
        add(args, text.clone())?;
    }
    add(args, event.status)?;
    add(args, event.source.clone())
}

fn add<T>(args: &mut SqliteArguments<'static>, value: T) -> sqlx::Result<()>
where
    T: Encode<'static, Sqlite> + Type<Sqlite> + 'static,
{
    args.add(value).map_err(sqlx::Error::Encode)
}

/// Counts one more repeat on the newest row of `source` written since `since` (ms): whether
/// there was one.
pub(super) async fn bump(
    conn: &mut SqliteConnection,
    source: &str,
    since: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE audit_events SET repeats = repeats + 1, last_at = ? WHERE id = \
         (SELECT id FROM audit_events WHERE source = ? AND at >= ? ORDER BY at DESC LIMIT 1)",
    )
    .bind(now)
    .bind(source)
    .bind(since)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes the oldest rows beyond `keep`: how many went.
pub(super) async fn trim(conn: &mut SqliteConnection, keep: u64) -> sqlx::Result<u64> {
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events").fetch_one(&mut *conn).await?;
    let excess = u64::try_from(rows).unwrap_or(0).saturating_sub(keep);
    if excess == 0 {
        return Ok(0);
    }
    let done =
        sqlx::query("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events ORDER BY id LIMIT ?)")
            .bind(i64::try_from(excess).unwrap_or(i64::MAX))
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}

/// Which rows the audit page shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Show {
    #[default]
    All,
    Refusals,
    Allowed,
}

/// The audit page's filter: which decisions, and whose.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub show: Show,
    pub user: Option<String>,
}

/// The newest events first, those the filter keeps.
pub async fn recent(pool: &SqlitePool, filter: &Filter, limit: i64) -> sqlx::Result<Vec<AuditEvent>> {
    let decision = match filter.show {
        Show::All => None,
        Show::Refusals => Some("refused"),
        Show::Allowed => Some("allowed"),
    };
    let user = filter.user.as_deref().filter(|u| !u.is_empty());
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_events WHERE (?1 IS NULL OR decision = ?1) \
         AND (?2 IS NULL OR username = ?2) ORDER BY id DESC LIMIT ?3"
    ))
    .bind(decision)
    .bind(user)
    .bind(limit)
    .fetch_all(pool)
    .await
}
