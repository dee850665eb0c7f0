//! Reading a row into a struct by its fields' names.

/// Implements `sqlx::FromRow` for a struct with named fields, reading each field from the column
/// of the same name, as sqlx's derive does without its compile-time cost (the derive's crate
/// builds a second copy of SQLite for itself, and of sqlx).
///
/// ```ignore
/// clickjack_lab::from_row!(Binding { username, fingerprint, serial });
/// ```
#[macro_export]
macro_rules! from_row {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl<'r> ::sqlx::FromRow<'r, ::sqlx::sqlite::SqliteRow> for $ty {
            fn from_row(row: &'r ::sqlx::sqlite::SqliteRow) -> ::std::result::Result<Self, ::sqlx::Error> {
                use ::sqlx::Row as _;
                Ok(Self { $($field: row.try_get(stringify!($field))?),* })
            }
        }
    };
}
