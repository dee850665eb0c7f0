//! An audit row read back from the table (the page, the tests).

use sqlx::sqlite::{Sqlite, SqliteRow};
use sqlx::{FromRow, Row};

use super::event::{AuditEvent, RequestFacts};

/// Read by the columns' names; `repeats` and `last_at` read as 0 and `None` when a query leaves
/// them out, and `source` is never read (it only groups repeats on their way in).
impl<'r> FromRow<'r, SqliteRow> for AuditEvent {
    fn from_row(row: &'r SqliteRow) -> sqlx::Result<Self> {
        fn or_default<'r, T>(row: &'r SqliteRow, column: &str) -> sqlx::Result<T>
        where
            T: Default + sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
        {
            match row.try_get(column) {
                Err(sqlx::Error::ColumnNotFound(_)) => Ok(T::default()),
                read => read,
            }
        }
        Ok(Self {
            at: row.try_get("at")?,
            username: row.try_get("username")?,
            cert_cn: row.try_get("cert_cn")?,
            cert_fingerprint: row.try_get("cert_fingerprint")?,
            request: RequestFacts::from_row(row)?,
            decision: row.try_get("decision")?,
            decided_by: row.try_get("decided_by")?,
            reason: row.try_get("reason")?,
            checks: row.try_get("checks")?,
            status: row.try_get("status")?,
            repeats: or_default(row, "repeats")?,
            last_at: or_default(row, "last_at")?,
            source: None,
        })
    }
}
