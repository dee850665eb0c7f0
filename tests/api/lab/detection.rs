//! Solve detection: how each confirmation page was loaded, and the transfer it led to.

use std::time::Duration;

use uuid::Uuid;

use super::*;

#[tokio::test]
async fn a_transfer_confirmed_in_a_cross_site_frame_is_detected_as_framed() {
    // Arrange: Fetch Metadata would refuse the framed page; the frame headers are the browser's business.
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");

    // Act
    let form = render(&app, &client, "basic", FRAMED).await;
    click(&app, &client, &form, "iframe").await;

    // Assert
    assert_eq!(verdict(&app).await, (Some("framed".into()), Some("basic".into())));
    let page = lab_page(&app, &client).await;
    assert_eq!(badges(&page), badge("basic", "solved (framed)"));
    let (.., reason, _) = &audit_log(&app).await[0];
    assert!(
        reason.contains("the lab detected an attack: confirmed from a page the bank rendered inside"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_page_loaded_in_a_cross_site_frame_is_framed_whatever_its_post_says() {
    // The frame's page was refused by nothing; its form is then sent as if from a top-level page.
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");

    let form = render(&app, &client, "basic", FRAMED).await;
    click(&app, &client, &form, "document").await;

    assert_eq!(verdict(&app).await, (Some("framed".into()), Some("basic".into())));
}

#[tokio::test]
async fn a_framed_multistep_transfer_is_detected_through_both_steps() {
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");
    let query = [("to", "mallory"), ("amount", "600.00"), ("memo", "Wheel"), ("scenario", "multistep")];
    let page = read(get_confirm_with(&app, &client, &query, FRAMED).await).await.1;
    let first = hidden_fields(&page, "/transfer");
    let headers = [("Sec-Fetch-Dest", "iframe"), ("Sec-Fetch-Site", "same-origin")];

    let (status, second) = read(submit_with(&app, &client, "/transfer", &first, &headers).await).await;
    assert_eq!(status, 200, "the 'Are you sure?' step: {second}");
    click(&app, &client, &hidden_fields(&second, "/transfer"), "iframe").await;

    assert_eq!(verdict(&app).await, (Some("framed".into()), Some("multistep".into())));
    assert_eq!(badges(&lab_page(&app, &client).await), badge("multistep", "solved (framed)"));
}

#[tokio::test]
async fn a_form_another_site_posts_is_detected_as_forged_and_belongs_to_the_csrf_scenario() {
    // Arrange: the two defences against CSRF off; the rest at their defaults.
    let app = spawn_app(&[("LAB_ORIGIN_CHECK", "off"), ("LAB_CSRF_TOKEN", "off")]).await;
    let client = app.client_as("alice");
    let request_id = Uuid::new_v4().to_string();
    let forged = Form::new(&[
        ("to", "mallory"),
        ("amount", "100.00"),
        ("memo", "Coupon"),
        ("request_id", &request_id),
    ]);
    let before = lab_page(&app, &client).await;
    assert!(
        row(&before, "csrf").contains("succeeds"),
        "lab::expect under these flags: {}",
        row(&before, "csrf")
    );

    // Act: the attacker's auto-submitting form, top level, from another site.
    let response = client
        .post(app.url("/transfer"))
        .header("Origin", app.sites.cross_site.as_str())
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Dest", "document")
        .header("Sec-Fetch-Mode", "navigate")
        .form_body(&forged)
        .send()
        .await
        .unwrap();

    // Assert: it went through, as the lab page said it would, and was recognised.
    assert_eq!(response.status(), 303);
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(&app).await, (alice - 10_000, bob, mallory + 10_000));
    assert_eq!(verdict(&app).await, (Some("forged".into()), Some("csrf".into())));
    assert_eq!(badges(&lab_page(&app, &client).await), badge("csrf", "solved (forged)"));
}

#[tokio::test]
async fn a_page_another_site_opened_and_confirmed_at_once_is_detected_as_the_popup_path() {
    // The defaults: Fetch Metadata lets a top-level page load from another site through.
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");

    let form = render(&app, &client, "doubleclick", FROM_ELSEWHERE).await;
    click(&app, &client, &form, "document").await;

    assert_eq!(verdict(&app).await, (Some("popup".into()), Some("doubleclick".into())));
    assert_eq!(badges(&lab_page(&app, &client).await), badge("doubleclick", "solved (popup)"));
}

#[tokio::test]
async fn a_page_another_site_opened_and_confirmed_after_reading_it_is_no_attack() {
    // The popup window made short, so that "after reading it" is short too.
    let app = spawn_app(&[("LAB_POPUP_WINDOW_MS", "200")]).await;
    let client = app.client_as("alice");
    let form = render(&app, &client, "doubleclick", FROM_ELSEWHERE).await;

    // Longer than LAB_POPUP_WINDOW_MS: a person who read the page.
    tokio::time::sleep(Duration::from_millis(300)).await;
    click(&app, &client, &form, "document").await;

    assert_eq!(verdict(&app).await, (None, Some("doubleclick".into())));
    assert_eq!(badges(&lab_page(&app, &client).await), vec![]);
}

#[tokio::test]
async fn a_page_opened_from_the_bank_itself_is_no_attack() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    for headers in [FROM_THE_BANK, &[][..]] {
        let form = render(&app, &client, "basic", headers).await;
        click(&app, &client, &form, "document").await;
    }

    assert_eq!(verdicts(&app).await, vec![(None, Some("basic".into())); 2]);
    assert_eq!(badges(&lab_page(&app, &client).await), vec![]);
}

#[tokio::test]
async fn an_unknown_scenario_tag_is_dropped_not_stored() {
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");

    let form = render(&app, &client, "<script>x</script>", FRAMED).await;
    click(&app, &client, &form, "iframe").await;

    assert_eq!(verdict(&app).await, (Some("framed".into()), None));
    assert_eq!(badges(&lab_page(&app, &client).await), vec![]);
}

#[tokio::test]
async fn the_session_attack_landed_by_a_certificate_earns_no_badge_and_the_lab_says_why() {
    // The cookie-session page is about a password session; alice visits it with her certificate.
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");

    let form = render(&app, &client, "cookie-session", FRAMED).await;
    click(&app, &client, &form, "iframe").await;

    assert_eq!(verdict(&app).await, (Some("framed".into()), Some("cookie-session".into())));
    let (signed_in_by,): (Option<String>,) = app.fetch_one("SELECT signed_in_by FROM lab_verdicts").await;
    assert_eq!(signed_in_by.as_deref(), Some("certificate"));
    let page = lab_page(&app, &client).await;
    assert!(badges(&page).is_empty(), "the /lab row does not say solved next to its blocked prediction");
    let row = row(&page, "cookie-session");
    assert!(
        row.contains("solved-otherwise") && row.contains("a client certificate, not the password session"),
        "{row}"
    );
}
