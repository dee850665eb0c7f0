//! The `audit_events` table: rows written, repeats collapsed, the oldest trimmed, and the page's
//! filtered reads.

use sqlx::SqlitePool;
use uuid::Uuid;

use super::event::AuditEvent;

const COLUMNS: &str = "at, username, cert_cn, cert_fingerprint, method, path, origin, referer, \
     sec_fetch_site, sec_fetch_mode, sec_fetch_dest, decision, decided_by, reason, checks, status, \
     repeats, last_at";

pub(super) async fn insert(pool: &SqlitePool, event: &AuditEvent) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, username, cert_cn, cert_fingerprint, method, path, origin, \
         referer, sec_fetch_site, sec_fetch_mode, sec_fetch_dest, decision, decided_by, reason, checks, \
         status, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(Uuid::now_v7())
    .bind(event.at)
    .bind(&event.username)
    .bind(&event.cert_cn)
    .bind(&event.cert_fingerprint)
    .bind(&event.request.method)
    .bind(&event.request.path)
    .bind(&event.request.origin)
    .bind(&event.request.referer)
    .bind(&event.request.sec_fetch_site)
    .bind(&event.request.sec_fetch_mode)
    .bind(&event.request.sec_fetch_dest)
    .bind(&event.decision)
    .bind(&event.decided_by)
    .bind(&event.reason)
    .bind(&event.checks)
    .bind(event.status)
    .bind(&event.source)
    .execute(pool)
    .await?;
    Ok(())
}

/// Counts one more repeat on the newest row of `source` written since `since` (ms): whether
/// there was one.
pub(super) async fn bump(pool: &SqlitePool, source: &str, since: i64, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE audit_events SET repeats = repeats + 1, last_at = ? WHERE id = \
         (SELECT id FROM audit_events WHERE source = ? AND at >= ? ORDER BY at DESC LIMIT 1)",
    )
    .bind(now)
    .bind(source)
    .bind(since)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes the oldest rows beyond `keep`: how many went.
pub(super) async fn trim(pool: &SqlitePool, keep: u64) -> sqlx::Result<u64> {
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events").fetch_one(pool).await?;
    let excess = u64::try_from(rows).unwrap_or(0).saturating_sub(keep);
    if excess == 0 {
        return Ok(0);
    }
    let done =
        sqlx::query("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events ORDER BY id LIMIT ?)")
            .bind(i64::try_from(excess).unwrap_or(i64::MAX))
            .execute(pool)
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
