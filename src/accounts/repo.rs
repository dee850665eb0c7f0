//! SQL for users and accounts.

use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::{User, Username};
use crate::money::Money;

struct UserRow {
    id: Uuid,
    username: String,
}

crate::from_row!(UserRow { id, username });

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        // Usernames are validated before they are stored.
        Self { id: row.id, username: Username(row.username) }
    }
}

pub async fn find(pool: &SqlitePool, username: &str) -> sqlx::Result<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as("SELECT id, username FROM users WHERE username = ?")
        .bind(username)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(User::from))
}

pub async fn find_by_id(pool: &SqlitePool, id: Uuid) -> sqlx::Result<Option<User>> {
    let row: Option<UserRow> =
        sqlx::query_as("SELECT id, username FROM users WHERE id = ?").bind(id).fetch_optional(pool).await?;
    Ok(row.map(User::from))
}

/// The user and their password hash, for a password sign-in.
pub async fn credentials(pool: &SqlitePool, username: &Username) -> sqlx::Result<Option<(User, String)>> {
    let row: Option<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, username, password_hash FROM users WHERE username = ?")
            .bind(username.as_str())
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id, name, hash)| (User { id, username: Username(name) }, hash)))
}

pub async fn balance(pool: &SqlitePool, user: Uuid) -> sqlx::Result<Money> {
    let cents: i64 = sqlx::query_scalar("SELECT balance_cents FROM accounts WHERE user_id = ?")
        .bind(user)
        .fetch_one(pool)
        .await?;
    Ok(Money::from_cents(cents))
}

/// Every username, for the transfer form's suggestions.
pub async fn usernames(pool: &SqlitePool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT username FROM users ORDER BY username").fetch_all(pool).await
}

/// Creates a user with an account holding `balance`.
pub async fn create(
    conn: &mut SqliteConnection,
    username: &Username,
    password_hash: &str,
    balance: Money,
    now_ms: i64,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)")
        .bind(id)
        .bind(username.as_str())
        .bind(password_hash)
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO accounts (user_id, balance_cents) VALUES (?, ?)")
        .bind(id)
        .bind(balance.cents())
        .execute(&mut *conn)
        .await?;
    Ok(id)
}
