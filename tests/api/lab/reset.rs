//! The reset: the protected `POST /lab/reset` and the `reset` command.

use super::*;

/// Moves money in a way that earns a badge (Fetch Metadata must be off), then shows the badge.
async fn earn_a_badge(app: &TestApp, client: &Client) {
    let form = render(app, client, "basic", FRAMED).await;
    click(app, client, &form, "iframe").await;
    assert_eq!(badges(&lab_page(app, client).await), badge("basic", "solved (framed)"));
}

#[tokio::test]
async fn the_reset_restores_balances_and_clears_transfers_badges_and_the_audit_log() {
    // Arrange
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");
    earn_a_badge(&app, &client).await;
    assert_eq!(app.lab.renders.len(), 1, "the lab remembers how the page was loaded");
    let render = &app.lab.renders.all()[0];
    assert_eq!((render.user.as_deref(), render.by), (Some("alice"), Some("certificate")), "and to whom");
    let reset_form = hidden_fields(&lab_page(&app, &client).await, "/lab/reset");
    assert!(reset_form.get("csrf_token").is_some(), "{reset_form:?}");

    // Act
    let response = submit(&app, &client, "/lab/reset", &reset_form).await;

    // Assert
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/lab?reset=done");
    assert_eq!(balances(&app).await, SEEDED);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM lab_verdicts").await, 0, "the badges went with the transfers");
    assert!(app.lab.renders.is_empty(), "and forgets it on a reset");
    let log = audit_log(&app).await;
    assert_eq!(log.len(), 1, "only the reset's own event: {log:#?}");
    let (method, path, _, reason, status) = &log[0];
    assert_eq!((method.as_str(), path.as_str(), *status), ("POST", "/lab/reset", 303));
    assert!(reason.contains("the lab was reset"), "{reason}");
    assert_eq!(badges(&lab_page(&app, &client).await), vec![]);
    let (status, after) = read(client.get(app.url("/lab?reset=done")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(after.contains("id=\"reset-done\"") && after.contains("The lab was reset"), "{after}");
    assert!(!lab_page(&app, &client).await.contains("id=\"reset-done\""), "only where the reset sent you");
}

#[tokio::test]
async fn the_reset_is_a_protected_post() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let form = hidden_fields(&lab_page(&app, &client).await, "/lab/reset");
    let confirmation = crate::helpers::confirm(&app, &client, "bob", "10.00", "").await;
    assert_eq!(submit(&app, &client, "/transfer", &confirmation.form).await.status(), 303);
    let moved = balances(&app).await;

    let tokenless = submit(&app, &client, "/lab/reset", &Form::default()).await;
    let cross_site = client
        .post(app.url("/lab/reset"))
        .header("Origin", app.sites.cross_site.as_str())
        .form_body(&form)
        .send()
        .await
        .unwrap();

    let (status, page) = read(tokenless).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Refused by the CSRF token check"), "{page}");
    let (status, page) = read(cross_site).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Refused by the origin check"), "{page}");
    assert_eq!(balances(&app).await, moved, "nothing was reset");
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 1);
}

#[tokio::test]
async fn the_reset_command_resets_the_database_file() {
    // Arrange: money moved and a badge earned in a running lab.
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");
    earn_a_badge(&app, &client).await;
    assert_ne!(balances(&app).await, SEEDED);

    // Act: `clickjack-lab reset` on the same files (the test app keeps its temp dir until dropped).
    let command = {
        let mut command = lab_binary(app.dir(), &[]);
        command.arg("reset");
        command
    };
    let output = tokio::task::spawn_blocking(move || run_binary(command)).await.unwrap();

    // Assert
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout} {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("restored the seeded balances; cleared transfers"), "{stdout}");
    assert_eq!(balances(&app).await, SEEDED);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, 0);
    assert_eq!(badges(&lab_page(&app, &client).await), vec![], "the running bank sees the reset");
}
