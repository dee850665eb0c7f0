//! The schema's migrations, embedded in the binary: the files of `migrations/`, each read at
//! compile time and handed to sqlx's migrator as the folder would be (same versions, descriptions
//! and checksums, so a database migrated by any earlier build of the lab opens unchanged).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// Each file's name and SQL, in order. A new file in `migrations/` gets a line here (a test
/// compares this table with the folder).
const FILES: &[(&str, &str)] = &[
    ("0001_bank.sql", include_str!("../../migrations/0001_bank.sql")),
    ("0002_lab.sql", include_str!("../../migrations/0002_lab.sql")),
    ("0003_mtls.sql", include_str!("../../migrations/0003_mtls.sql")),
    ("0004_lab_observes.sql", include_str!("../../migrations/0004_lab_observes.sql")),
    ("0005_lab_verdict_victim.sql", include_str!("../../migrations/0005_lab_verdict_victim.sql")),
    ("0006_csrf_key.sql", include_str!("../../migrations/0006_csrf_key.sql")),
    ("0007_practice.sql", include_str!("../../migrations/0007_practice.sql")),
    ("0008_transfer_moves_money.sql", include_str!("../../migrations/0008_transfer_moves_money.sql")),
    ("0009_audit_bounded.sql", include_str!("../../migrations/0009_audit_bounded.sql")),
];

/// The migrations above, as sqlx names them: the version is the number the file name starts with,
/// the description the rest without `.sql`, underscores as spaces; the checksum is computed by
/// [`Migration::new`].
#[derive(Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send>> {
        Box::pin(async { Ok(migrations()) })
    }
}

fn migrations() -> Vec<Migration> {
    FILES
        .iter()
        .map(|&(file, sql)| {
            let (number, rest) = file.split_once('_').unwrap_or((file, ""));
            // The table's names are fixed at compile time and the test reads every one.
            let version = number.parse().expect("a migration's file name starts with its version");
            let description = rest.trim_end_matches(".sql").replace('_', " ");
            let no_tx = sql.starts_with("-- no-transaction");
            Migration::new(version, Cow::Owned(description), MigrationType::Simple, Cow::Borrowed(sql), no_tx)
        })
        .collect()
}

/// The migrator over the embedded migrations.
pub async fn migrator() -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded).await
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The table matches the folder exactly as sqlx reads it: every file, its version,
    /// description, checksum and transaction mode, in order.
    #[tokio::test]
    async fn the_embedded_migrations_are_the_folders() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let from_folder = Migrator::new(folder.as_path()).await.expect("the folder resolves");
        let embedded = migrator().await.unwrap();
        let key = |m: &Migration| {
            (m.version, m.description.to_string(), m.checksum.to_vec(), m.no_tx, m.sql.to_string())
        };
        let from_folder: Vec<_> = from_folder.iter().map(key).collect();
        let embedded: Vec<_> = embedded.iter().map(key).collect();
        assert_eq!(from_folder.len(), FILES.len(), "a file in migrations/ is missing from FILES");
        assert_eq!(embedded, from_folder);
        assert!(embedded.iter().all(|m| m.0 > 0 && !m.1.is_empty()));
    }
}
