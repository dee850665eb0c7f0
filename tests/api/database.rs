//! The database file: private to the user running the lab (it holds password and session
//! hashes), and back to its size after a reset of a flooded log.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::common::{TestApp, eventually, spawn_app};
use crate::helpers::{lab_binary, run_binary};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

fn beside(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

#[tokio::test]
async fn the_database_and_its_wal_files_are_private_to_the_lab_user() {
    // Arrange
    let app = spawn_app(&[]).await;

    // Act: a request that writes (a refused one gets an audit row).
    let _ = app.client(None).get(app.url("/")).send().await;

    // Assert
    for file in [app.database.clone(), beside(&app.database, "-wal"), beside(&app.database, "-shm")] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[tokio::test]
async fn a_folder_the_lab_makes_for_its_database_is_private_and_one_that_was_there_is_left_alone() {
    // Arrange
    let outer = tempfile::tempdir().unwrap();
    std::fs::set_permissions(outer.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let database = outer.path().join("data").join("lab.sqlite");

    // Act
    let _app = spawn_app(&[("LAB_DATABASE", database.to_str().unwrap())]).await;

    // Assert
    assert_eq!(mode(database.parent().unwrap()), 0o700, "the folder the lab made");
    assert_eq!(mode(&database), 0o600);
    assert_eq!(mode(outer.path()), 0o755, "the folder that was there keeps its mode");
}

/// Writes `rows` audit rows of about 1 kB each straight into the lab's database.
async fn flood_audit_log(app: &TestApp, rows: i64) {
    let url = format!("sqlite://{}", app.database.display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) \
         INSERT INTO audit_events (id, at, method, path, origin, decision, decided_by, reason, checks, status) \
         SELECT randomblob(16), 0, 'POST', '/transfer', hex(randomblob(500)), 'refused', 'origin-check', 'flood', '', 403 \
         FROM n",
    )
    .bind(rows)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

/// The size of the database file once the lab's checkpoints have brought it to `wanted`.
async fn size_once(app: &TestApp, what: &str, wanted: impl Fn(u64) -> bool) -> u64 {
    let size = || std::fs::metadata(&app.database).unwrap().len();
    eventually(what, Duration::from_secs(10), async || Some(size()).filter(|s| wanted(*s))).await
}

#[tokio::test]
async fn a_reset_gives_a_flooded_file_its_space_back() {
    // Arrange
    let app = spawn_app(&[]).await;
    let fresh = std::fs::metadata(&app.database).unwrap().len();
    flood_audit_log(&app, 20_000).await;
    let flooded = size_once(&app, "the flood in the file", |s| s > fresh + 10_000_000).await;

    // Act
    let mut command = lab_binary(app.dir(), &[]);
    command.arg("reset");
    let output = tokio::task::spawn_blocking(move || run_binary(command)).await.unwrap();

    // Assert
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let after = size_once(&app, "the file back to its size", |s| s < fresh + 1_000_000).await;
    eprintln!("database file: fresh {fresh} bytes, flooded {flooded}, after the reset {after}");
}
