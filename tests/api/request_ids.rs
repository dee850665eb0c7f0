//! A confirmation form's request id is bound to the user it was rendered for: another user cannot
//! execute it, nor use it up, and an id shaped like the bank's with a forged tag is refused.

use uuid::Uuid;

use crate::common::spawn_app;
use crate::helpers::{SEEDED, audit_log, balances, confirm, error_message, location, read, submit};

const FOREIGN: &str = "made for another account; open a fresh one";

#[tokio::test]
async fn bob_cannot_use_alices_request_id_and_alice_still_can() {
    // Arrange: alice opens a confirmation; bob opens his own and puts her request id in it.
    let app = spawn_app(&[]).await;
    let (alice, bob) = (app.client_as("alice"), app.client_as("bob"));
    let alices = confirm(&app, &alice, "mallory", "5.00", "alice's").await;
    let bobs = confirm(&app, &bob, "mallory", "7.00", "bob's").await;
    let stolen = bobs.form.clone().with("request_id", alices.request_id());

    // Act
    let (status, page) = read(submit(&app, &bob, "/transfer", &stolen).await).await;
    let alices_own = submit(&app, &alice, "/transfer", &alices.form).await;

    // Assert: bob refused (400, audited), nothing moved; alice's own form then executes.
    assert_eq!(status, 400, "{page}");
    assert!(error_message(&page).contains(FOREIGN), "{page}");
    let refused = audit_log(&app).await.into_iter().find(|row| row.4 == 400).expect("an audit row");
    assert_eq!((refused.0.as_str(), refused.1.as_str()), ("POST", "/transfer"), "{refused:?}");
    assert!(refused.3.contains(FOREIGN), "{refused:?}");
    assert_eq!(alices_own.status(), 303);
    assert!(location(&alices_own).starts_with("/transfers/"));
    let (a, b, m) = SEEDED;
    assert_eq!(balances(&app).await, (a - 500, b, m + 500), "alice's transfer only");
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 1);
}

#[tokio::test]
async fn a_request_id_with_a_forged_tag_is_refused() {
    let app = spawn_app(&[]).await;
    let alice = app.client_as("alice");
    let confirmation = confirm(&app, &alice, "bob", "1.00", "").await;
    let mut altered = *Uuid::parse_str(confirmation.request_id()).unwrap().as_bytes();
    altered[15] ^= 1;
    let forged = [
        ("altered", Uuid::from_bytes(altered)),
        ("random", uuid::Builder::from_custom_bytes(*Uuid::new_v4().as_bytes()).into_uuid()),
    ];
    for (what, id) in forged {
        let form = confirmation.form.clone().with("request_id", &id.to_string());

        let (status, page) = read(submit(&app, &alice, "/transfer", &form).await).await;

        assert_eq!(status, 400, "{what}: {page}");
        assert!(error_message(&page).contains(FOREIGN), "{what}: {page}");
        assert_eq!(balances(&app).await, SEEDED, "{what}");
    }
}

#[tokio::test]
async fn an_id_the_bank_never_minted_still_executes_once_per_sender() {
    // A form another site wrote (the CSRF scenario) carries its own id: it still executes, once,
    // and another sender cannot reuse it.
    let app = spawn_app(&[]).await;
    let (alice, bob) = (app.client_as("alice"), app.client_as("bob"));
    let own = Uuid::new_v4().to_string();
    let alices = confirm(&app, &alice, "mallory", "1.00", "").await.form.with("request_id", &own);
    let bobs = confirm(&app, &bob, "mallory", "1.00", "").await.form.with("request_id", &own);

    let first = submit(&app, &alice, "/transfer", &alices).await.status();
    let (status, page) = read(submit(&app, &bob, "/transfer", &bobs).await).await;

    assert_eq!(first, 303);
    assert_eq!(status, 400, "{page}");
    assert!(error_message(&page).contains("already used by someone else"), "{page}");
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 1);
}
