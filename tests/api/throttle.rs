//! Sign-in throttling: after 5 failed sign-ins for one username from one address the next attempt
//! waits (429 with `Retry-After`) before its password is even checked, whether or not the user
//! exists; the right password after the wait works and resets the count. (Tests connect from
//! 127.0.0.1 only: the per-address rules are unit-tested in `accounts::throttle`.)

use std::time::Duration;

use reqwest::Client;

use crate::common::{TestApp, form_value, spawn_app};
use crate::helpers::{Form, audit_log, error_message, read, submit};

async fn attempt(app: &TestApp, client: &Client, username: &str, password: &str) -> reqwest::Response {
    let page = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let token = form_value(&page, "csrf_token").expect("the login form carries a csrf_token");
    let form = Form::new(&[("username", username), ("password", password), ("csrf_token", &token)]);
    submit(app, client, "/login", &form).await
}

#[tokio::test]
async fn five_wrong_passwords_make_the_sixth_wait_even_when_right() {
    // Arrange: five wrong passwords for alice, and five for a user that does not exist.
    let app = spawn_app(&[("LAB_MTLS", "off")]).await;
    let client = app.client(None);
    let mut sixth = Vec::new();
    for (user, password) in [("alice", "alice-pass"), ("zed", "guess")] {
        for _ in 0..5 {
            assert_eq!(attempt(&app, &client, user, "guess").await.status(), 401, "{user}");
        }

        // Act: the sixth right after the fifth (the first wait is 1 s: a sixth sent after other
        // users' five hashed sign-ins, on a busy machine, could come after it).
        sixth.push((user, attempt(&app, &client, user, password).await));
    }

    // Assert: both refused alike, with how long to wait; and audited.
    for (what, response) in sixth {
        assert_eq!(
            response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned()),
            Some("1".into())
        );
        let (status, page) = read(response).await;
        assert_eq!(status, 429, "{what}: {page}");
        assert!(error_message(&page).contains("wait 1 s before trying again"), "{what}: {page}");
    }
    let throttled: Vec<_> = audit_log(&app).await.into_iter().filter(|row| row.4 == 429).collect();
    assert!(!throttled.is_empty(), "{throttled:?}");
    assert!(throttled.iter().all(|row| row.1 == "/login" && row.3.contains("Too many failed sign-ins")));
    // The two refusals came from one source with one reason: one row may count both.
    assert_eq!(app.count("SELECT SUM(repeats) FROM audit_events WHERE status = 429").await, 2);
}

#[tokio::test]
async fn after_the_wait_the_right_password_works_and_resets_the_count() {
    let app = spawn_app(&[("LAB_MTLS", "off")]).await;
    let client = app.client(None);
    for _ in 0..5 {
        attempt(&app, &client, "alice", "guess").await;
    }
    assert_eq!(attempt(&app, &client, "alice", "alice-pass").await.status(), 429);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let signed_in = attempt(&app, &client, "alice", "alice-pass").await;

    assert_eq!(signed_in.status(), 303, "signed in after the wait");
    let fresh = app.client(None);
    for i in 0..5 {
        assert_eq!(
            attempt(&app, &fresh, "alice", "guess").await.status(),
            401,
            "attempt {i} after the reset"
        );
    }
}
