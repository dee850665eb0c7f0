//! Confirms fired at the same moment: the conditional debit never overdraws, money is conserved,
//! and a request id submitted twice at once executes once.

use std::collections::HashMap;
use std::sync::Arc;

use reqwest::Client;
use tokio::sync::Barrier;

use crate::common::{TestApp, spawn_app};
use crate::helpers::{Form, FormBody, Me, SEEDED, balances, confirm, whoami};

/// One submit: who sent it, and the bank's answer.
struct Outcome {
    sender: &'static str,
    request_id: String,
    status: u16,
    location: String,
    body: String,
}

/// Submits every form at once: each task waits at a barrier until all of them are ready.
async fn fire_together(app: &TestApp, submits: Vec<(&'static str, Client, Form)>) -> Vec<Outcome> {
    let barrier = Arc::new(Barrier::new(submits.len()));
    let tasks: Vec<_> = submits
        .into_iter()
        .map(|(sender, client, form)| {
            let (barrier, url, origin) = (barrier.clone(), app.url("/transfer"), app.sites.bank.to_string());
            tokio::spawn(async move {
                let request = client.post(url).header("Origin", origin).form_body(&form);
                barrier.wait().await;
                let response = request.send().await.expect("POST /transfer");
                let status = response.status().as_u16();
                let location = response
                    .headers()
                    .get("location")
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_default();
                let body = response.text().await.unwrap();
                let request_id = form.get("request_id").unwrap().to_owned();
                Outcome { sender, request_id, status, location, body }
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("submit task"));
    }
    outcomes
}

/// Total cents sent by a user, per the transfers table.
async fn sent_by(app: &TestApp, user: &str) -> i64 {
    app.count(&format!(
        "SELECT COALESCE(SUM(t.amount_cents), 0) FROM transfers t JOIN users u ON u.id = t.from_user \
         WHERE u.username = '{user}'"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_confirms_never_overdraw_and_conserve_money() {
    // Arrange: alice sends 50 x 100.00 against her 1000.00, bob 50 x 50.00 against his. Whatever
    // the order, alice can cover at most 1000.00 + what bob sends her (2500.00): at least 15 of
    // hers must fail, and without the conditional debit they would overdraw.
    const EACH: usize = 50;
    const ALICE_SENDS: i64 = 10_000;
    const BOB_SENDS: i64 = 5_000;
    let app = spawn_app(&[]).await;
    let (alice, bob) = (app.client_as("alice"), app.client_as("bob"));
    let mut submits = Vec::new();
    for _ in 0..EACH {
        submits.push(("alice", alice.clone(), confirm(&app, &alice, "bob", "100.00", "a").await.form));
        submits.push(("bob", bob.clone(), confirm(&app, &bob, "alice", "50.00", "b").await.form));
    }

    // Act
    let outcomes = fire_together(&app, submits).await;

    // Assert: every answer is a 303 to a new transfer or a 409 "does not cover".
    let mut executed: HashMap<&str, i64> = HashMap::from([("alice", 0), ("bob", 0)]);
    let mut locations = Vec::new();
    for o in &outcomes {
        match o.status {
            303 => {
                assert!(
                    o.location.starts_with("/transfers/") && !o.location.contains("repeat"),
                    "{}",
                    o.location
                );
                *executed.get_mut(o.sender).unwrap() += 1;
                locations.push(o.location.clone());
            }
            409 => assert!(o.body.contains("does not cover"), "{}", o.body),
            other => panic!("{} got {other} for {}: {}", o.sender, o.request_id, o.body),
        }
    }
    let (alice_ok, bob_ok) = (executed["alice"], executed["bob"]);
    locations.sort();
    locations.dedup();
    assert_eq!(locations.len() as i64, alice_ok + bob_ok, "every 303 names its own transfer");
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, alice_ok + bob_ok);
    assert!(alice_ok <= 35, "alice cannot send more than 3500.00 in all; she sent {alice_ok} x 100.00");
    assert!(alice_ok >= 10 && bob_ok >= 20, "a refusal needs a short balance: {alice_ok}, {bob_ok}");
    assert!(outcomes.len() as i64 - alice_ok - bob_ok >= 15, "some confirms were refused");

    assert_eq!(sent_by(&app, "alice").await, alice_ok * ALICE_SENDS);
    assert_eq!(sent_by(&app, "bob").await, bob_ok * BOB_SENDS);
    let (alice_start, bob_start, mallory_start) = SEEDED;
    let (alice_now, bob_now, mallory_now) = balances(&app).await;
    assert!(alice_now >= 0 && bob_now >= 0, "no negative balance: {alice_now}, {bob_now}");
    assert_eq!(alice_now + bob_now, alice_start + bob_start, "money is conserved");
    assert_eq!(alice_now, alice_start - alice_ok * ALICE_SENDS + bob_ok * BOB_SENDS);
    assert_eq!(bob_now, bob_start + alice_ok * ALICE_SENDS - bob_ok * BOB_SENDS);
    assert_eq!(mallory_now, mallory_start);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_id_submitted_twice_at_once_executes_once() {
    // Arrange: five confirmations from mallory (10.00), each to be submitted twice.
    let app = spawn_app(&[]).await;
    let mallory = app.client_as("mallory");
    let mut submits = Vec::new();
    for _ in 0..5 {
        let form = confirm(&app, &mallory, "alice", "1.00", "twice").await.form;
        submits.push(("mallory", mallory.clone(), form.clone()));
        submits.push(("mallory", mallory.clone(), form));
    }

    // Act
    let outcomes = fire_together(&app, submits).await;

    // Assert: per request id, one new transfer and one repeat of that same transfer.
    let mut by_request: HashMap<&str, Vec<&Outcome>> = HashMap::new();
    for o in &outcomes {
        assert_eq!(o.status, 303, "{}", o.body);
        by_request.entry(o.request_id.as_str()).or_default().push(o);
    }
    assert_eq!(by_request.len(), 5);
    for (request_id, pair) in &by_request {
        let mut targets: Vec<&str> = pair.iter().map(|o| o.location.as_str()).collect();
        targets.sort();
        assert_eq!(targets.len(), 2);
        assert_eq!(format!("{}?repeat=1", targets[0]), targets[1], "{request_id}: {targets:?}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 5);
    assert_eq!(app.count("SELECT COUNT(DISTINCT request_id) FROM transfers").await, 5);
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(&app).await, (alice + 500, bob, mallory - 500), "each form moved 1.00 once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_confirms_at_once_both_ways_each_page_shows_the_balance_the_database_holds() {
    // Arrange: alice and bob pay each other different amounts, all at once; each balance was
    // shown once before, so the pages hold it.
    let app = spawn_app(&[]).await;
    let (alice, bob) = (app.client_as("alice"), app.client_as("bob"));
    for client in [&alice, &bob] {
        assert!(matches!(whoami(&app, client).await, Me::User { balance_cents: 100_000, .. }));
    }
    let mut submits = Vec::new();
    for n in 1..=12 {
        let amount = format!("{n}.{n:02}");
        submits.push(("alice", alice.clone(), confirm(&app, &alice, "bob", &amount, "").await.form));
        let amount = format!("{}.00", n * 3);
        submits.push(("bob", bob.clone(), confirm(&app, &bob, "alice", &amount, "").await.form));
    }

    // Act
    let outcomes = fire_together(&app, submits).await;

    // Assert: every transfer moved, and what the bank's pages show right after (the balances
    // each transfer read back in its own transaction, in the order they committed) is what the
    // database holds.
    assert!(outcomes.iter().all(|o| o.status == 303), "all executed");
    let (alice_now, bob_now, _) = balances(&app).await;
    assert_ne!(alice_now, SEEDED.0, "money moved");
    for (client, held) in [(&alice, alice_now), (&bob, bob_now)] {
        let Me::User { balance_cents, name, .. } = whoami(&app, client).await else { panic!("signed in") };
        assert_eq!(balance_cents, held, "{name}'s page shows the database's balance");
    }
}
