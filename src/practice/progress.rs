//! How far the trainee got with each challenge: deliveries, solved, hints opened and whether the
//! solution was shown. Kept in the database; a reset of the bank keeps it.

use sqlx::SqlitePool;

/// A challenge's standing, for the lab page and the exploit server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    pub challenge: String,
    pub attempts: i64,
    pub solved: bool,
    pub hints_opened: i64,
    pub solution_seen: bool,
}

crate::from_row!(Standing { challenge, attempts, solved, hints_opened, solution_seen });

/// Every challenge's standing that has any (attempts, solved, hints).
pub async fn standings(pool: &SqlitePool) -> sqlx::Result<Vec<Standing>> {
    sqlx::query_as(
        "SELECT c.challenge, \
                (SELECT COUNT(*) FROM victim_runs r WHERE r.challenge = c.challenge) AS attempts, \
                (SELECT COUNT(*) > 0 FROM victim_runs r WHERE r.challenge = c.challenge AND r.solved) AS solved, \
                COALESCE((SELECT hints_opened FROM challenge_hints h WHERE h.challenge = c.challenge), 0) AS hints_opened, \
                COALESCE((SELECT solution_seen FROM challenge_hints h WHERE h.challenge = c.challenge), 0) AS solution_seen \
         FROM (SELECT challenge FROM victim_runs UNION SELECT challenge FROM challenge_hints) c",
    )
    .fetch_all(pool)
    .await
}

/// Opens the next hint of `challenge` (at most `of`); returns how many are open now.
pub async fn open_hint(pool: &SqlitePool, challenge: &str, of: i64) -> sqlx::Result<i64> {
    let row: (i64,) = sqlx::query_as(
        "INSERT INTO challenge_hints (challenge, hints_opened) VALUES (?1, MIN(1, ?2)) \
         ON CONFLICT (challenge) DO UPDATE SET hints_opened = MIN(hints_opened + 1, ?2) RETURNING hints_opened",
    )
    .bind(challenge)
    .bind(of)
    .fetch_one(pool)
    .await?;
    Ok(row.0)
}

pub async fn show_solution(pool: &SqlitePool, challenge: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO challenge_hints (challenge, solution_seen) VALUES (?, 1) \
         ON CONFLICT (challenge) DO UPDATE SET solution_seen = 1",
    )
    .bind(challenge)
    .execute(pool)
    .await?;
    Ok(())
}
