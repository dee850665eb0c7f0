//! A database from an earlier version keeps what it holds: the upgrade that moves the lab's
//! verdicts out of the bank's `transfers` table (and its render records into memory) loses none.

use std::path::Path;

use sqlx::SqlitePool;
use uuid::Uuid;

/// A database at the schema of migrations 0001 to 0003, as they shipped.
async fn earlier_database(dir: &Path) -> SqlitePool {
    let shipped = dir.join("migrations");
    std::fs::create_dir_all(&shipped).unwrap();
    for name in ["0001_bank.sql", "0002_lab.sql", "0003_mtls.sql"] {
        let migration = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(name);
        std::fs::copy(migration, shipped.join(name)).unwrap();
    }
    let url = format!("sqlite://{}?mode=rwc", dir.join("lab.sqlite").display());
    let pool = SqlitePool::connect(&url).await.unwrap();
    sqlx::migrate::Migrator::new(shipped.as_path()).await.unwrap().run(&pool).await.unwrap();
    pool
}

#[tokio::test]
async fn an_earlier_database_keeps_its_verdicts_in_the_labs_own_table() {
    // Arrange: alice paid mallory twice; the earlier lab judged one of them framed.
    let dir = tempfile::tempdir().unwrap();
    let pool = earlier_database(dir.path()).await;
    let (alice, mallory) = (Uuid::new_v4(), Uuid::new_v4());
    for (id, name, cents) in [(alice, "alice", 99_000), (mallory, "mallory", 2_000)] {
        sqlx::query("INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, 'x', 0)")
            .bind(id)
            .bind(name)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO accounts (user_id, balance_cents) VALUES (?, ?)")
            .bind(id)
            .bind(cents)
            .execute(&pool)
            .await
            .unwrap();
    }
    let (framed, plain) = (Uuid::new_v4(), Uuid::new_v4());
    for (id, detection, scenario) in [(framed, Some("framed"), Some("basic")), (plain, None, None)] {
        sqlx::query(
            "INSERT INTO transfers (id, request_id, from_user, to_user, amount_cents, memo, signed_in_by, \
             created_at, detection, scenario) VALUES (?, ?, ?, ?, 500, '', 'certificate', 1, ?, ?)",
        )
        .bind(id)
        .bind(Uuid::new_v4())
        .bind(alice)
        .bind(mallory)
        .bind(detection)
        .bind(scenario)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO renders (request_id, user_id, sec_fetch_dest, rendered_at) VALUES (?, ?, 'iframe', 1)",
    )
    .bind(Uuid::new_v4())
    .bind(alice)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    // Act: this version opens it.
    let pool = clickjack_lab::db::open(&dir.path().join("lab.sqlite")).await.expect("the upgrade applies");

    // Assert
    let verdicts: Vec<(Uuid, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT transfer_id, detection, scenario FROM lab_verdicts")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(verdicts, [(framed, Some("framed".to_owned()), Some("basic".to_owned()))]);
    let transfers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transfers").fetch_one(&pool).await.unwrap();
    assert_eq!(transfers, 2, "every transfer is still there");
    let columns: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info('transfers')").fetch_all(&pool).await.unwrap();
    assert!(
        !columns.iter().any(|c| c == "detection" || c == "scenario"),
        "the bank's table forgets the lab: {columns:?}"
    );
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(!tables.iter().any(|t| t == "renders"), "renders live in memory now: {tables:?}");
    let balances: Vec<i64> = sqlx::query_scalar("SELECT balance_cents FROM accounts ORDER BY balance_cents")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(balances, [2_000, 99_000], "the balances as they were (no reseeding)");
}
