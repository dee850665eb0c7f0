//! The "Are you sure?" step (`LAB_CONFIRM_ABOVE`, default 500.00), and what the confirmation pages
//! carry for the other client-side aids: the gesture guard (`LAB_GESTURE_GUARD`) and the frame
//! busters (`LAB_FRAMEBUSTER`), each in the HTML and in the page footer.

use tempfile::TempDir;

use crate::common::{TestApp, spawn_app};
use crate::helpers::{
    Confirmation, SEEDED, audit_log, balances, confirm, hidden_fields, lab_binary, location, read,
    run_binary, submit,
};

/// alice confirms `amount` to bob: the first POST's status and page.
async fn first_step(app: &TestApp, amount: &str) -> (reqwest::Client, Confirmation, u16, String) {
    let client = app.client_as("alice");
    let confirmation = confirm(app, &client, "bob", amount, "big one").await;
    let (status, page) = read(submit(app, &client, "/transfer", &confirmation.form).await).await;
    (client, confirmation, status, page)
}

/// alice's balance moved by `cents` to bob.
fn moved(cents: i64) -> (i64, i64, i64) {
    let (alice, bob, mallory) = SEEDED;
    (alice - cents, bob + cents, mallory)
}

#[tokio::test]
async fn a_transfer_above_the_threshold_asks_are_you_sure_and_moves_nothing() {
    let app = spawn_app(&[]).await;

    let (_, confirmation, status, page) = first_step(&app, "600.00").await;

    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<h1>Are you sure?</h1>"), "{page}");
    assert!(page.contains("This transfer is above 500.00"), "{page}");
    assert!(page.contains("id=\"confirm-final\""), "{page}");
    let form = hidden_fields(&page, "/transfer");
    assert_eq!(form.get("step"), Some("final"));
    assert_eq!(form.get("request_id"), Some(confirmation.request_id()), "the same rendering's id");
    assert!(form.get("csrf_token").is_some(), "{page}");
    assert_eq!(form.get("csrf_token"), confirmation.csrf_token(), "the token comes along");
    assert_eq!(
        (form.get("to"), form.get("amount"), form.get("memo")),
        (Some("bob"), Some("600.00"), Some("big one"))
    );
    assert_eq!(balances(&app).await, SEEDED);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
    let log = audit_log(&app).await;
    assert_eq!(log.len(), 1, "{log:#?}");
    let (_, path, decided_by, reason, status) = &log[0];
    assert_eq!((path.as_str(), decided_by.as_str(), *status), ("/transfer", "bank", 200));
    assert!(reason.contains("above LAB_CONFIRM_ABOVE (500.00): asked to confirm again"), "{reason}");
}

#[tokio::test]
async fn submitting_the_are_you_sure_form_moves_the_money_once() {
    // Arrange
    let app = spawn_app(&[]).await;
    let (client, _, status, page) = first_step(&app, "600.00").await;
    assert_eq!(status, 200, "{page}");
    let second = hidden_fields(&page, "/transfer");

    // Act: the second step, then the same form again (a double click).
    let response = submit(&app, &client, "/transfer", &second).await;
    let again = submit(&app, &client, "/transfer", &second).await;

    // Assert
    assert_eq!(response.status(), 303);
    let target = location(&response);
    assert!(target.starts_with("/transfers/"), "{target}");
    assert_eq!(again.status(), 303);
    assert_eq!(location(&again), format!("{target}?repeat=1"));
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 1);
    assert_eq!(balances(&app).await, moved(60_000));
}

#[tokio::test]
async fn exactly_the_threshold_needs_no_second_step() {
    let app = spawn_app(&[]).await;

    let (_, _, status, page) = first_step(&app, "500.00").await;

    assert_eq!(status, 303, "{page}");
    assert_eq!(balances(&app).await, moved(50_000));
}

#[tokio::test]
async fn the_threshold_comes_from_lab_confirm_above() {
    let app = spawn_app(&[("LAB_CONFIRM_ABOVE", "100.00")]).await;

    let (_, _, above, page) = first_step(&app, "150.00").await;
    let (_, _, at, _) = first_step(&app, "100.00").await;

    assert_eq!(above, 200, "{page}");
    assert!(page.contains("This transfer is above 100.00"), "{page}");
    assert_eq!(at, 303);
    assert_eq!(balances(&app).await, moved(10_000), "only the 100.00 moved");
}

#[tokio::test]
async fn an_invalid_lab_confirm_above_stops_the_binary_naming_the_variable() {
    for bad in ["0", "-5", "lots", "1.005"] {
        let dir = TempDir::new().unwrap();

        let output = run_binary(lab_binary(dir.path(), &[("LAB_CONFIRM_ABOVE", bad)]));

        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{bad}: {stderr}");
        assert_eq!(output.status.code(), Some(2), "{bad}: {stderr}");
        assert!(
            stderr.contains("LAB_CONFIRM_ABOVE") && stderr.contains("positive amount"),
            "{bad}: {stderr}"
        );
        assert!(!dir.path().join("lab.sqlite").exists(), "{bad}: refused before creating the database");
    }
}

/// The confirmation page alice gets, and the `<button ... id="confirm-transfer" ...>` tag on it.
async fn confirmation_page(app: &TestApp) -> (String, String) {
    let client = app.client_as("alice");
    let page = confirm(app, &client, "bob", "10.00", "").await.page;
    let button = tag(&page, "id=\"confirm-transfer\"");
    (page, button)
}

/// The whole tag that contains `marker`.
fn tag(page: &str, marker: &str) -> String {
    let at = page.find(marker).unwrap_or_else(|| panic!("{marker} not in {page}"));
    let start = page[..at].rfind('<').expect("the tag starts");
    let end = at + page[at..].find('>').expect("the tag ends");
    page[start..=end].to_owned()
}

#[tokio::test]
async fn the_gesture_guard_renders_confirm_buttons_disabled_with_its_script() {
    let app = spawn_app(&[]).await;

    let (page, button) = confirmation_page(&app).await;
    let (_, _, _, second) = first_step(&app, "600.00").await;

    assert!(button.contains(" disabled "), "{button}");
    assert!(
        button.contains("data-gesture-guard") && button.contains("data-gesture-delay=\"1000\""),
        "{button}"
    );
    assert!(page.contains("<script src=\"/static/js/gesture-guard.js\" defer></script>"), "{page}");
    let final_button = tag(&second, "id=\"confirm-final\"");
    assert!(
        final_button.contains(" disabled ") && final_button.contains("data-gesture-guard"),
        "{final_button}"
    );
    assert!(page.contains("<span class=\"flag on\">LAB_GESTURE_GUARD=on</span>"), "{page}");
}

#[tokio::test]
async fn with_lab_gesture_guard_off_the_buttons_are_enabled_and_the_script_absent() {
    let app = spawn_app(&[("LAB_GESTURE_GUARD", "off")]).await;

    let (page, button) = confirmation_page(&app).await;
    let (_, _, _, second) = first_step(&app, "600.00").await;

    assert!(!button.contains("disabled") && !button.contains("data-gesture"), "{button}");
    assert!(!page.contains("gesture-guard.js"), "{page}");
    let final_button = tag(&second, "id=\"confirm-final\"");
    assert!(!final_button.contains("disabled"), "{final_button}");
    assert!(page.contains("<span class=\"flag off\">LAB_GESTURE_GUARD=off</span>"), "{page}");
}

#[tokio::test]
async fn the_gesture_guard_script_is_served() {
    let app = spawn_app(&[]).await;

    let response = app.client_as("alice").get(app.url("/static/js/gesture-guard.js")).send().await.unwrap();

    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.contains("javascript"), "{kind}");
}

#[tokio::test]
async fn lab_framebuster_includes_its_script_and_stylesheet_on_every_page() {
    for buster in ["classic", "hidden"] {
        let app = spawn_app(&[("LAB_FRAMEBUSTER", buster)]).await;
        let client = app.client_as("alice");
        let (js, css) =
            (format!("/static/js/framebuster-{buster}.js"), format!("/static/css/framebuster-{buster}.css"));
        let other = if buster == "classic" { "hidden" } else { "classic" };

        let (page, _) = confirmation_page(&app).await;
        let dashboard = read(client.get(app.url("/")).send().await.unwrap()).await.1;

        for (name, page) in [("confirmation", &page), ("dashboard", &dashboard)] {
            assert!(page.contains(&format!("<script src=\"{js}\"></script>")), "{buster} {name}: {page}");
            assert!(
                page.contains(&format!("<link rel=\"stylesheet\" href=\"{css}\">")),
                "{buster} {name}: {page}"
            );
            assert!(!page.contains(&format!("framebuster-{other}")), "{buster} {name}: {page}");
            let flag = format!("<span class=\"flag on\">LAB_FRAMEBUSTER={buster}</span>");
            assert!(page.contains(&flag), "{buster} {name}: {page}");
        }
        for (asset, kind) in [(&js, "javascript"), (&css, "text/css")] {
            let response = client.get(app.url(asset)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{asset}");
            let got = response.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(got.contains(kind), "{asset}: {got}");
        }
    }
}

#[tokio::test]
async fn no_framebuster_by_default_even_with_the_protections_on() {
    let app = spawn_app(&[]).await;

    let (page, _) = confirmation_page(&app).await;

    assert!(!page.contains("framebuster"), "{page}");
    assert!(!page.contains("LAB_FRAMEBUSTER"), "the footer names it only when set: {page}");
    for flag in ["LAB_FETCH_METADATA=on", "LAB_GESTURE_GUARD=on"] {
        assert!(page.contains(&format!("<span class=\"flag on\">{flag}</span>")), "{flag}: {page}");
    }
}

#[tokio::test]
async fn a_form_that_claims_to_be_the_second_step_cannot_skip_the_first() {
    // Arrange: a confirmation form with step=final added, submitted without the first step.
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let confirmation = confirm(&app, &client, "bob", "600.00", "skip").await;
    let skipping = confirmation.form.clone().with("step", "final");

    // Act
    let (status, page) = read(submit(&app, &client, "/transfer", &skipping).await).await;

    // Assert: the bank asks, as for any first confirmation; only the second POST executes.
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<h1>Are you sure?</h1>"), "{page}");
    assert_eq!(balances(&app).await, SEEDED);
    let response = submit(&app, &client, "/transfer", &hidden_fields(&page, "/transfer")).await;
    assert_eq!(response.status(), 303);
    assert_eq!(balances(&app).await, moved(60_000));
}

#[tokio::test]
async fn resubmitting_the_first_form_asks_again_instead_of_executing() {
    let app = spawn_app(&[]).await;
    let (client, confirmation, status, _) = first_step(&app, "600.00").await;
    assert_eq!(status, 200);

    let (status, page) = read(submit(&app, &client, "/transfer", &confirmation.form).await).await;

    assert_eq!(status, 200);
    assert!(
        page.contains("<h1>Are you sure?</h1>"),
        "a double click on the first button is not a second step"
    );
    assert_eq!(balances(&app).await, SEEDED);
}
