//! The `audit_events` table: rows written, repeats collapsed, the oldest trimmed, and the page's
//! filtered reads.

use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqliteRow};
use sqlx::{Arguments, Encode, Sqlite, SqlitePool, Type};
use uuid::Uuid;

use super::event::AuditEvent;
use crate::db::Writer;

/// Binds a statement's values, in the order its `?` parameters appear.
pub type Binder = Box<dyn Fn(&mut SqliteArguments<'static>) -> sqlx::Result<()> + Send + Sync>;

/// A change to the bank's tables that its audit row is written with
/// ([`super::Recorder::record_with`]): one statement with `?` parameters (never numbered: it is
/// written in a batch with others, and sqlx binds a batch's `?` in order across its statements)
/// and what binds them (perhaps twice: a change is written again alone if its batch failed); and
/// what to read back after it in its transaction if it wrote (for a transfer, the balances it
/// left).
pub struct Change {
    pub sql: &'static str,
    pub bind: Binder,
    pub read_back: Option<ReadBack>,
}

/// A `SELECT` run after a change that wrote, in its transaction, and what binds its `?`.
pub struct ReadBack {
    pub sql: &'static str,
    pub bind: Binder,
}

const COLUMNS: &str = "at, username, cert_cn, cert_fingerprint, method, path, origin, referer, \
     sec_fetch_site, sec_fetch_mode, sec_fetch_dest, decision, decided_by, reason, checks, status, \
     repeats, last_at";

/// The columns a new row fills, in the order [`bind_row`] binds them.
pub(super) const NEW_ROW: &str = "id, at, username, cert_cn, cert_fingerprint, method, path, origin, referer, \
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

/// Binds the values of the row `id` for `event` after those in `args`: the `?` that take them,
/// in [`NEW_ROW`]'s order.
pub(super) fn row_values(
    args: &mut SqliteArguments<'static>,
    id: Uuid,
    event: &AuditEvent,
) -> sqlx::Result<&'static str> {
    bind_row(args, id, event)?;
    Ok("?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?")
}

/// Runs `sql`, a batch that begins a transaction and commits it, on the writer: its rows. The
/// batch stops at a failing statement; its transaction is then rolled back, never left open for
/// the next writer.
pub(super) async fn run_in_transaction(
    writer: &Writer,
    sql: &str,
    args: SqliteArguments<'static>,
) -> sqlx::Result<Vec<SqliteRow>> {
    let mut held = writer.hold().await?;
    match sqlx::query_with(sql, args).fetch_all(&mut *held.connection()).await {
        Ok(rows) => Ok(rows),
        Err(e) => {
            // Without a transaction open, ROLLBACK fails harmlessly.
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
