//! The "Are you sure?" step for transfers above `LAB_CONFIRM_ABOVE`. The server remembers that the
//! first confirmation happened (per request id), so a form cannot skip the step by claiming to be
//! the second one. It is a step against mistakes, not a defence: an attacker adds a second decoy.

use sqlx::SqlitePool;
use uuid::Uuid;

use crate::clock;
use crate::money::Money;

/// Whether this confirmation must (still) be answered with the "Are you sure?" page. Records the
/// first confirmation when it happens.
pub async fn ask_again(
    pool: &SqlitePool,
    user: Uuid,
    request_id: Uuid,
    amount: Money,
    threshold: Money,
    claims_final: bool,
) -> sqlx::Result<bool> {
    if amount <= threshold {
        return Ok(false);
    }
    let confirmed_once: Option<i64> =
        sqlx::query_scalar("SELECT confirmed_at FROM first_steps WHERE request_id = ? AND user_id = ?")
            .bind(request_id)
            .bind(user)
            .fetch_optional(pool)
            .await?;
    if claims_final && confirmed_once.is_some() {
        return Ok(false);
    }
    sqlx::query("INSERT OR IGNORE INTO first_steps (request_id, user_id, confirmed_at) VALUES (?, ?, ?)")
        .bind(request_id)
        .bind(user)
        .bind(clock::now_ms())
        .execute(pool)
        .await?;
    Ok(true)
}
