//! The `audit_events` table.

use sqlx::SqlitePool;
use uuid::Uuid;

use super::event::AuditEvent;

pub(super) async fn insert(pool: &SqlitePool, event: &AuditEvent) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, username, cert_cn, cert_fingerprint, method, path, origin, \
         referer, sec_fetch_site, sec_fetch_mode, sec_fetch_dest, decision, decided_by, reason, checks, \
         status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    .execute(pool)
    .await?;
    Ok(())
}

/// The newest events first.
pub async fn recent(pool: &SqlitePool, limit: i64) -> sqlx::Result<Vec<AuditEvent>> {
    sqlx::query_as(
        "SELECT at, username, cert_cn, cert_fingerprint, method, path, origin, referer, sec_fetch_site, \
         sec_fetch_mode, sec_fetch_dest, decision, decided_by, reason, checks, status \
         FROM audit_events ORDER BY id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
