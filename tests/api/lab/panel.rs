//! The protections panel: protections switched while the lab runs, for everyone, audited; the
//! panel itself guarded by every protection whatever is switched off.

use super::*;
use crate::common::form_value;

/// The panel's token for `client` (it shows it whatever LAB_CSRF_TOKEN says).
async fn panel_token(app: &TestApp, client: &Client) -> String {
    let (status, page) = read(client.get(app.url("/lab/protections")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{page}");
    form_value(&page, "csrf_token").expect("the panel's token")
}

async fn switch(app: &TestApp, client: &Client, fields: &[(&str, &str)]) -> (u16, String) {
    let token = panel_token(app, client).await;
    let form = Form::new(fields).with("csrf_token", &token);
    read(submit(app, client, "/lab/protections", &form).await).await
}

async fn frame_header(app: &TestApp, client: &Client, path: &str) -> Option<String> {
    let response = client.get(app.url(path)).send().await.unwrap();
    response.headers().get("x-frame-options").map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_switch_applies_to_the_next_request_for_everyone_and_is_audited() {
    let app = spawn_app(&[]).await;
    let (alice, bob) = (app.client_as("alice"), app.client_as("bob"));
    assert_eq!(frame_header(&app, &bob, "/").await.as_deref(), Some("DENY"));

    let (status, _) = switch(&app, &alice, &[("LAB_FRAME", "off"), ("LAB_FETCH_METADATA", "off")]).await;
    assert_eq!(status, 303);

    assert_eq!(frame_header(&app, &bob, "/").await, None, "bob's next page is frameable: no restart");
    let page = lab_page(&app, &bob).await;
    assert!(
        cell(row(&page, "basic"), "chromium").contains("succeeds"),
        "/lab predicts from what is in force"
    );
    let (_, footer) = read(bob.get(app.url("/")).send().await.unwrap()).await;
    assert!(footer.contains("LAB_FRAME=off"), "the footer shows what is in force");
    let switched = app.count("SELECT COUNT(*) FROM audit_events WHERE reason LIKE '%switched LAB_FRAME deny -> off, LAB_FETCH_METADATA on -> off%' AND cert_cn = 'alice'").await;
    assert_eq!(switched, 1, "{:?}", audit_log(&app).await);
    // The framed page load is served now, as the lab predicts.
    let query = [("to", "mallory"), ("amount", "1.00"), ("scenario", "basic")];
    assert_eq!(get_confirm_with(&app, &bob, &query, FRAMED).await.status(), 200);

    let (status, _) = switch(&app, &alice, &[("LAB_PROTECTIONS", "on")]).await;
    assert_eq!(status, 303);
    assert_eq!(frame_header(&app, &bob, "/").await.as_deref(), Some("DENY"), "and back on");
    let (status, _) = switch(&app, &alice, &[("LAB_PROTECTIONS", "off")]).await;
    assert_eq!(status, 303);
    assert_eq!(frame_header(&app, &bob, "/").await, None, "the preset alone switches them all");
    assert_eq!(get_confirm_with(&app, &bob, &query, FRAMED).await.status(), 200);
}

#[tokio::test]
async fn the_panel_is_guarded_whatever_is_switched_off() {
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;
    let alice = app.client_as("alice");
    assert_eq!(frame_header(&app, &alice, "/").await, None);
    assert_eq!(
        frame_header(&app, &alice, "/lab/protections").await.as_deref(),
        Some("DENY"),
        "never frameable"
    );

    let token = panel_token(&app, &alice).await;
    let on = Form::new(&[("LAB_PROTECTIONS", "on")]).with("csrf_token", &token);
    let cross_site = [("Origin", app.sites.cross_site.as_str())];
    let forged =
        alice.post(app.url("/lab/protections")).header(cross_site[0].0, cross_site[0].1).form_body(&on);
    assert_eq!(forged.send().await.unwrap().status(), 403, "an attack page cannot post to it");
    let no_token = Form::new(&[("LAB_PROTECTIONS", "on")]);
    assert_eq!(
        submit(&app, &alice, "/lab/protections", &no_token).await.status(),
        403,
        "the token is checked"
    );
    let framed =
        [("Sec-Fetch-Dest", "iframe"), ("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Mode", "navigate")];
    let from_a_frame = submit_with(&app, &alice, "/lab/protections", &on, &framed).await;
    assert_eq!(from_a_frame.status(), 403, "a click inside a frame is refused");
    assert_eq!(frame_header(&app, &alice, "/").await, None, "nothing was switched");

    let (status, _) = switch(&app, &alice, &[("LAB_PROTECTIONS", "on")]).await;
    assert_eq!(status, 303, "the bank's own page, with its token, switches them");
    assert_eq!(frame_header(&app, &alice, "/").await.as_deref(), Some("DENY"));
}

#[tokio::test]
async fn bad_values_and_fixed_variables_are_refused_by_name_and_nothing_changes() {
    let app = spawn_app(&[]).await;
    let alice = app.client_as("alice");
    let (status, page) = switch(&app, &alice, &[("LAB_FRAME", "sideways")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("LAB_FRAME") && page.contains("deny"), "{page}");
    let (status, page) = switch(&app, &alice, &[("LAB_MTLS", "off")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("LAB_MTLS cannot be switched"), "{page}");
    assert_eq!(frame_header(&app, &alice, "/").await.as_deref(), Some("DENY"));
}
