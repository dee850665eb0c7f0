//! Executing and reading transfers. One SQL statement per transfer (in a transaction with its
//! audit row, and with the transfers waiting at the same moment: [`Recorder::record_with`]), with
//! a conditional insert that moves the money, so concurrent confirms can never overdraw and a
//! repeated request id executes once.

use std::sync::Arc;

use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, Row, SqlitePool};
use uuid::Uuid;

use super::{ExecuteError, TransferDraft, TransferError};
use crate::accounts::balances::Balances;
use crate::accounts::{self, User};
use crate::audit::{AuditEvent, Change, ReadBack, Recorder};
use crate::clock;
use crate::money::Money;

/// How the sender was signed in when the transfer was made.
#[derive(Debug, Clone)]
pub struct Authentication {
    pub signed_in_by: &'static str,
    pub cert_fingerprint: Option<String>,
}

/// The result of [`execute`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Executed {
    /// The money moved; this is the new transfer, and the audit row written with it.
    New { id: Uuid, audit_row: Uuid },
    /// The request id had already executed (a double submit): nothing moved this time.
    Repeat(Uuid),
}

/// A transfer as shown on the result and dashboard pages.
#[derive(Debug, Clone)]
pub struct TransferRecord {
    pub id: Uuid,
    pub from_name: String,
    pub to_name: String,
    pub amount_cents: i64,
    pub memo: String,
    pub signed_in_by: String,
    pub cert_fingerprint: Option<String>,
    pub created_at: i64,
}

crate::from_row!(TransferRecord {
    id,
    from_name,
    to_name,
    amount_cents,
    memo,
    signed_in_by,
    cert_fingerprint,
    created_at
});

impl TransferRecord {
    pub fn amount(&self) -> Money {
        Money::from_cents(self.amount_cents)
    }

    pub fn when(&self) -> String {
        clock::display(self.created_at)
    }
}

/// Who records an executed transfer, in the transfer's own transaction: the recorder, and the
/// row to write for the new transfer's id; and the balances the pages show, which learn the new
/// ones from the same transaction.
pub struct Journal<'a> {
    pub recorder: &'a Recorder,
    pub row: &'a dyn Fn(Uuid) -> AuditEvent,
    pub balances: &'a Arc<Balances>,
}

/// Moves `draft.amount` from `from` to `to` (the user `draft.to` names), once per `request_id`,
/// and writes the journal's row with it (both or neither).
pub async fn execute(
    pool: &SqlitePool,
    from: &User,
    to: &User,
    draft: &TransferDraft,
    request_id: Uuid,
    auth: &Authentication,
    journal: Journal<'_>,
) -> Result<Executed, ExecuteError> {
    let id = Uuid::new_v4();
    let (from_id, to_id, cents, memo) =
        (from.id, to.id, draft.amount.cents(), draft.memo.as_str().to_owned());
    let (by, fingerprint, at) = (auth.signed_in_by, auth.cert_fingerprint.clone(), clock::now_ms());
    // One statement moves the money: the row is inserted only if the request id is new and the
    // sender can pay, and inserting it moves the money (the `transfers_move_money` trigger). Its
    // transaction takes SQLite's write lock before it reads: concurrent transfers queue (the
    // committer's batches), and the balance it checks is the one it changes. Its `?` are bound
    // in the order they appear.
    let change = Change {
        sql: "INSERT INTO transfers (id, request_id, from_user, to_user, amount_cents, memo, \
              signed_in_by, cert_fingerprint, created_at) \
              SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? \
              WHERE (SELECT balance_cents FROM accounts WHERE user_id = ?) >= ? \
              AND EXISTS (SELECT 1 FROM accounts WHERE user_id = ?) \
              ON CONFLICT (request_id) DO NOTHING",
        bind: Box::new(move |args: &mut SqliteArguments<'static>| {
            let encode = sqlx::Error::Encode;
            args.add(id).map_err(encode)?;
            args.add(request_id).map_err(encode)?;
            args.add(from_id).map_err(encode)?;
            args.add(to_id).map_err(encode)?;
            args.add(cents).map_err(encode)?;
            args.add(memo.clone()).map_err(encode)?;
            args.add(by).map_err(encode)?;
            args.add(fingerprint.clone()).map_err(encode)?;
            args.add(at).map_err(encode)?;
            args.add(from_id).map_err(encode)?;
            args.add(cents).map_err(encode)?;
            args.add(to_id).map_err(encode)
        }),
        read_back: Some(ReadBack {
            sql: "SELECT user_id, balance_cents FROM accounts WHERE user_id IN (?, ?)",
            bind: Box::new(move |args: &mut SqliteArguments<'static>| {
                args.add(from_id).map_err(sqlx::Error::Encode)?;
                args.add(to_id).map_err(sqlx::Error::Encode)
            }),
        }),
    };
    let (balances, epoch) = (journal.balances.clone(), journal.balances.epoch());
    let learn = move |rows: &[SqliteRow]| {
        let left = rows
            .iter()
            .filter_map(|row| Some((row.try_get(0).ok()?, Money::from_cents(row.try_get(1).ok()?))));
        balances.moved(epoch, left);
    };
    if let Some(row) = journal.recorder.record_with(change, (journal.row)(id), learn).await? {
        return Ok(Executed::New { id, audit_row: row });
    }
    // Nothing happened: the request id had executed before, or the balance did not cover it.
    if let Some(executed) = repeated(pool, from, request_id).await? {
        return executed;
    }
    let balance = accounts::repo::balance(pool, from.id).await?;
    Err(TransferError::InsufficientFunds { balance, amount: draft.amount }.into())
}

/// A request id that already executed, if it did: the earlier transfer if it was this sender's.
async fn repeated(
    pool: &SqlitePool,
    from: &User,
    request_id: Uuid,
) -> Result<Option<Result<Executed, ExecuteError>>, ExecuteError> {
    let earlier: Option<(Uuid, Uuid)> =
        sqlx::query_as("SELECT id, from_user FROM transfers WHERE request_id = ?")
            .bind(request_id)
            .fetch_optional(pool)
            .await?;
    Ok(earlier.map(|(id, sender)| {
        if sender == from.id { Ok(Executed::Repeat(id)) } else { Err(TransferError::RequestIdTaken.into()) }
    }))
}

const SELECT: &str = "SELECT t.id, f.username AS from_name, r.username AS to_name, t.amount_cents, \
     t.memo, t.signed_in_by, t.cert_fingerprint, t.created_at \
     FROM transfers t JOIN users f ON f.id = t.from_user JOIN users r ON r.id = t.to_user";

/// A transfer the user sent or received.
pub async fn find_for(pool: &SqlitePool, user: &User, id: Uuid) -> sqlx::Result<Option<TransferRecord>> {
    sqlx::query_as(&format!("{SELECT} WHERE t.id = ? AND (t.from_user = ? OR t.to_user = ?)"))
        .bind(id)
        .bind(user.id)
        .bind(user.id)
        .fetch_optional(pool)
        .await
}

/// The user's latest transfers, sent and received, newest first.
pub async fn recent_for(pool: &SqlitePool, user: &User, limit: i64) -> sqlx::Result<Vec<TransferRecord>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE t.from_user = ? OR t.to_user = ? ORDER BY t.created_at DESC, t.id LIMIT ?"
    ))
    .bind(user.id)
    .bind(user.id)
    .bind(limit)
    .fetch_all(pool)
    .await
}
