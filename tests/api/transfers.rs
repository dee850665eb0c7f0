//! Transfer input, on the confirmation page and on the form post: every kind of bad input gets a
//! clear 4xx page and moves nothing; memos are stored verbatim and rendered escaped; a
//! confirmation form executes once.

use crate::common::spawn_app;
use crate::helpers::{
    Refusal, SEEDED, assert_refused, balances, confirm, error_message, escape, get_confirm, location, read,
    submit,
};

/// The title of the page that refuses a transfer's input.
const CHECK: &str = "Check the transfer";

const SCRIPT_MEMO: &str = "<script>alert(1)</script>'; DROP TABLE transfers;--";

/// Bad input from alice: (to, amount, memo, status, a distinctive phrase of the message).
fn bad_inputs() -> Vec<(&'static str, String, String, u16, String)> {
    let case = |to, amount: &str, memo: &str, status, phrase: &str| {
        (to, amount.to_owned(), memo.to_owned(), status, phrase.to_owned())
    };
    vec![
        case("bob", "-1.00", "", 422, "the amount cannot be negative"),
        case("bob", "0", "", 422, "a transfer must move more than 0.00"),
        case("bob", "0.00", "", 422, "a transfer must move more than 0.00"),
        case("bob", "1.005", "", 422, "at most 2 decimal places"),
        case("bob", "1e30", "", 422, "\"1e30\" is not a decimal amount"),
        case("bob", "1000000000000000000000000000000", "", 422, "far too large an amount"),
        case("bob", "ten", "", 422, "\"ten\" is not a decimal amount"),
        case("bob", "1,000", "", 422, "\"1,000\" is not a decimal amount"),
        case("bob", "", "", 422, "enter an amount"),
        case("zed", "1.00", "", 422, "there is no user \"zed\" at this bank"),
        case("bob'; --", "1.00", "", 422, "a username has 1 to 32 characters"),
        case("", "1.00", "", 422, "enter a username"),
        case("alice", "1.00", "", 422, "you cannot send money to yourself"),
        case("bob", "2500.01", "", 422, "above the per-transfer cap of 2500.00"),
        case("bob", "1.00", &"m".repeat(141), 422, "at most 140 characters; this one has 141"),
        case("bob", "1.00", &"é".repeat(141), 422, "at most 140 characters; this one has 141"),
    ]
}

#[tokio::test]
async fn bad_input_on_the_confirmation_page_gets_a_clear_4xx_page() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    for (to, amount, memo, status, phrase) in bad_inputs() {
        let response = get_confirm(&app, &client, to, &amount, &memo).await;

        assert_refused(&app, response, Refusal { status, title: CHECK }, &[&phrase]).await;
    }
}

#[tokio::test]
async fn bad_input_in_the_form_post_gets_a_clear_4xx_page() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    // A genuine form (token, request id), its transfer fields then tampered with.
    let confirmation = confirm(&app, &client, "bob", "1.00", "").await;
    for (to, amount, memo, status, phrase) in bad_inputs() {
        let form = confirmation.form.clone().with("to", to).with("amount", &amount).with("memo", &memo);

        let response = submit(&app, &client, "/transfer", &form).await;

        assert_refused(&app, response, Refusal { status, title: CHECK }, &[&phrase]).await;
    }
}

#[tokio::test]
async fn over_balance_is_a_409_at_the_post() {
    // Arrange: mallory has 10.00; the confirmation page cannot know what the balance will be.
    let app = spawn_app(&[]).await;
    let client = app.client_as("mallory");
    let confirmation = confirm(&app, &client, "bob", "20.00", "").await;

    // Act
    let response = submit(&app, &client, "/transfer", &confirmation.form).await;

    // Assert
    let (status, page) = read(response).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("Transfer not possible"), "{page}");
    assert!(error_message(&page).contains("Your balance of 10.00 does not cover 20.00"), "{page}");
    assert_eq!(balances(&app).await, SEEDED);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
}

#[tokio::test]
async fn the_whole_balance_can_be_sent() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("mallory");
    let confirmation = confirm(&app, &client, "bob", "10.00", "everything").await;

    let response = submit(&app, &client, "/transfer", &confirmation.form).await;

    assert_eq!(response.status(), 303);
    let (alice, bob, _) = SEEDED;
    assert_eq!(balances(&app).await, (alice, bob + 1_000, 0));
}

#[tokio::test]
async fn the_cap_comes_from_lab_transfer_cap() {
    let app = spawn_app(&[("LAB_TRANSFER_CAP", "50.00")]).await;
    let client = app.client_as("alice");

    let (status, page) = read(get_confirm(&app, &client, "bob", "50.01", "").await).await;
    assert_eq!(status, 422);
    assert!(
        error_message(&page).contains("above the per-transfer cap of 50.00 (LAB_TRANSFER_CAP)"),
        "{page}"
    );
    let confirmation = confirm(&app, &client, "bob", "50.00", "").await;
    let response = submit(&app, &client, "/transfer", &confirmation.form).await;

    assert_eq!(response.status(), 303);
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(&app).await, (alice - 5_000, bob + 5_000, mallory));
}

#[tokio::test]
async fn html_and_sql_in_the_memo_are_rendered_escaped_and_stored_verbatim() {
    // Arrange
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let escaped = "&#60;script&#62;alert(1)&#60;/script&#62;&#39;; DROP TABLE transfers;--";
    assert_eq!(escape(SCRIPT_MEMO), escaped);

    // Act: confirm, submit, read the result page.
    let confirmation = confirm(&app, &client, "bob", "3.00", SCRIPT_MEMO).await;
    let response = submit(&app, &client, "/transfer", &confirmation.form).await;
    let result_path = location(&response);
    let status = response.status();
    let result = client.get(app.url(&result_path)).send().await.unwrap().text().await.unwrap();
    let dashboard = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();

    // Assert
    assert_eq!(confirmation.form.get("memo"), Some(SCRIPT_MEMO), "the hidden field round-trips");
    for (name, page) in [("confirmation", &confirmation.page), ("result", &result), ("dashboard", &dashboard)]
    {
        assert!(!page.contains("<script>"), "{name} page has a raw <script>: {page}");
        assert!(page.contains(escaped), "{name} page shows the memo escaped: {page}");
    }
    assert_eq!(status, 303);
    assert!(result_path.starts_with("/transfers/"), "{result_path}");
    let memos: Vec<(String,)> = app.fetch_all("SELECT memo FROM transfers").await;
    assert_eq!(memos, vec![(SCRIPT_MEMO.to_owned(),)], "stored verbatim, and the table is still there");
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(&app).await, (alice - 300, bob + 300, mallory));
}

#[tokio::test]
async fn a_double_submit_of_one_confirmation_executes_once() {
    // Arrange
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let confirmation = confirm(&app, &client, "bob", "25.00", "once").await;

    // Act
    let first = submit(&app, &client, "/transfer", &confirmation.form).await;
    let second = submit(&app, &client, "/transfer", &confirmation.form).await;

    // Assert
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (303, 303));
    let first = location(&first);
    assert!(first.starts_with("/transfers/"), "{first}");
    assert_eq!(location(&second), format!("{first}?repeat=1"), "the repeat points at the same transfer");
    let repeat_page = client.get(app.url(&location(&second))).send().await.unwrap().text().await.unwrap();
    assert!(repeat_page.contains("id=\"repeat\""), "{repeat_page}");
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 1);
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(&app).await, (alice - 2_500, bob + 2_500, mallory), "moved once");
}

#[tokio::test]
async fn a_missing_or_garbage_request_id_is_a_400() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let confirmation = confirm(&app, &client, "bob", "1.00", "").await;
    let forms = [
        ("missing", confirmation.form.clone().without("request_id")),
        ("empty", confirmation.form.clone().with("request_id", "")),
        ("garbage", confirmation.form.clone().with("request_id", "not-a-uuid'; --")),
    ];
    for (what, form) in forms {
        let response = submit(&app, &client, "/transfer", &form).await;

        let (status, page) = read(response).await;
        assert_eq!(status, 400, "{what}: {page}");
        assert!(error_message(&page).contains("no valid request id"), "{what}: {page}");
        assert_eq!(balances(&app).await, SEEDED, "{what}");
    }
}

#[tokio::test]
async fn another_users_used_request_id_is_a_400() {
    // Arrange: alice's form executes; bob replays its request id in his own form (the id is bound
    // to alice, so it is refused before anything else).
    let app = spawn_app(&[]).await;
    let alice = app.client_as("alice");
    let bob = app.client_as("bob");
    let alices = confirm(&app, &alice, "mallory", "1.00", "").await;
    assert_eq!(submit(&app, &alice, "/transfer", &alices.form).await.status(), 303);
    let bobs = confirm(&app, &bob, "mallory", "1.00", "").await;
    let after_alice = balances(&app).await;

    // Act
    let response =
        submit(&app, &bob, "/transfer", &bobs.form.clone().with("request_id", alices.request_id())).await;

    // Assert
    let (status, page) = read(response).await;
    assert_eq!(status, 400, "{page}");
    assert!(error_message(&page).contains("made for another account"), "{page}");
    assert_eq!(balances(&app).await, after_alice);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 1);
}

#[tokio::test]
async fn a_transfer_is_shown_only_to_its_sender_and_recipient() {
    let app = spawn_app(&[]).await;
    let alice = app.client_as("alice");
    let confirmation = confirm(&app, &alice, "bob", "1.00", "private").await;
    let path = location(&submit(&app, &alice, "/transfer", &confirmation.form).await);

    let to_bob = app.client_as("bob").get(app.url(&path)).send().await.unwrap();
    let to_mallory = app.client_as("mallory").get(app.url(&path)).send().await.unwrap();

    assert_eq!(to_bob.status(), 200);
    let (status, page) = read(to_mallory).await;
    assert_eq!(status, 404, "{page}");
    assert!(!page.contains("private"), "{page}");
}
