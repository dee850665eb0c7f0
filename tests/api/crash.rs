//! The real binary killed (`SIGKILL`) in the middle of a stream of transfers, five times over the
//! same database: after each restart the money is all there, and every transfer that moved money
//! has its audit row (the row is written in the transfer's own transaction).

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{Certificate, Client, Identity, redirect};

use crate::common::{form_value, free_port, pki};
use crate::helpers::{Form, unescape};
use crate::startup::Started;

const ROUNDS: usize = 5;
const SENDERS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kill_mid_transfer_leaves_no_transfer_without_its_audit_row_and_no_money_lost() {
    let dir = tempfile::tempdir().unwrap();
    pki::copy_into(&dir.path().join("certs"));
    let port = free_port().to_string();
    let vars = [("LAB_BANK_PORT", port.as_str()), ("RUST_LOG", "error")];
    let mut before = None;
    let mut moved = 0;
    for round in 0..ROUNDS {
        let lab = Started::run(dir.path(), &vars);
        let total = money(dir.path()).await;
        assert_eq!(*before.get_or_insert(total), total, "round {round}: money appeared or vanished");
        let senders: Vec<_> = (0..SENDERS)
            .map(|i| {
                tokio::spawn(send_until_killed(
                    client(dir.path(), &port, ["alice", "bob"][i % 2]),
                    port.clone(),
                ))
            })
            .collect();
        // Long enough for transfers to be in every stage when the kill lands.
        tokio::time::sleep(Duration::from_millis(400 + 150 * round as u64)).await;
        drop(lab);
        for sender in senders {
            moved += sender.await.unwrap();
        }
    }
    assert!(moved >= 3 * ROUNDS, "only {moved} transfers went through: the test did not load the bank");
    let db = open(dir.path()).await;
    // The reason names the transfer by its id, hyphenated; the table holds the id's 16 bytes.
    let unrecorded: Vec<(String,)> = sqlx::query_as(
        "WITH t AS (SELECT lower(hex(id)) AS h FROM transfers), \
         ids AS (SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' \
         || substr(h, 17, 4) || '-' || substr(h, 21) AS tid FROM t) \
         SELECT tid FROM ids WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.method = 'POST' \
         AND a.path = '/transfer' AND a.decision = 'allowed' AND a.reason LIKE '%(transfer ' || tid || ')%')",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let (transfers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM transfers").fetch_one(&db).await.unwrap();
    assert!(transfers > 0);
    let some: Vec<(String, String, String)> =
        sqlx::query_as("SELECT method, path, reason FROM audit_events ORDER BY at DESC LIMIT 3")
            .fetch_all(&db)
            .await
            .unwrap();
    let missing = unrecorded.len();
    let first: Vec<_> = unrecorded.iter().take(3).collect();
    assert!(
        missing == 0,
        "{missing} of {transfers} transfers have no audit row (e.g. {first:?}); newest rows: {some:?}"
    );
    let (rows,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_events WHERE method = 'POST' AND path = '/transfer' AND reason LIKE 'moved %'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(rows, transfers, "one audit row per transfer, no more");
    db.close().await;
    let lab = Started::run(dir.path(), &vars);
    assert_eq!(money(dir.path()).await, before.unwrap(), "after the last kill");
    drop(lab);
}

/// Confirms and sends 0.01 transfers until the bank stops answering: how many executed.
async fn send_until_killed(client: Client, port: String) -> usize {
    let bank = format!("https://localhost:{port}");
    let mut executed = 0;
    loop {
        let to = "mallory";
        let Ok(page) = client.get(format!("{bank}/transfer/confirm?to={to}&amount=0.01")).send().await else {
            return executed;
        };
        let Ok(page) = page.text().await else { return executed };
        let mut form = Form::default();
        for field in ["csrf_token", "to", "amount", "memo", "request_id"] {
            if let Some(value) = form_value(&page, field) {
                form = form.with(field, &unescape(&value));
            }
        }
        let sent = client
            .post(format!("{bank}/transfer"))
            .header("Origin", &bank)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form.encode())
            .send()
            .await;
        match sent {
            Ok(answer) if answer.status() == 303 => executed += 1,
            Ok(_) => {}
            Err(_) => return executed,
        }
    }
}

fn client(dir: &std::path::Path, port: &str, user: &str) -> Client {
    let certs = dir.join("certs");
    let read = |name: String| std::fs::read(certs.join(name)).unwrap();
    let pem = [read(format!("{user}.key")), read(format!("{user}.crt"))].concat();
    crate::common::client_builder()
        .tls_certs_only([Certificate::from_pem(&read("ca.crt".into())).unwrap()])
        .identity(Identity::from_pem(&pem).unwrap())
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], port.parse().unwrap())))
        .redirect(redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn open(dir: &std::path::Path) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}?mode=ro", dir.join("lab.sqlite").display());
    sqlx::SqlitePool::connect(&url).await.unwrap()
}

/// All the money at the bank, from the database (while the lab runs, so its log is applied).
async fn money(dir: &std::path::Path) -> i64 {
    let db = open(dir).await;
    let (cents,): (i64,) =
        sqlx::query_as("SELECT SUM(balance_cents) FROM accounts").fetch_one(&db).await.unwrap();
    db.close().await;
    cents
}
