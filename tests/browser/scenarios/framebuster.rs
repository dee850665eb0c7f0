//! Frame busters.

use clickjack_lab::lab::{Delivery, Framer, Victim};

use super::{CHROMIUM, overlay_as_alice};
use crate::attack::{assert_outcome, expected, expected_for};
use crate::chromium::{self};
use crate::common::spawn_app;

#[tokio::test]
async fn framebuster_classic_is_defeated_by_a_sandboxed_frame() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_FRAMEBUSTER", "classic")]).await;
    let frame =
        overlay_as_alice(&app, "/framebuster.html", &["#decoy"], "framebuster-classic-sandboxed").await;
    assert!(
        frame.visible && frame.text.contains("Confirm transfer"),
        "scripts off: the page renders: {frame:?}"
    );
    let predicted = expected(&app, "framebuster", Victim::Certificate, CHROMIUM);
    assert!(predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}

#[tokio::test]
async fn framebuster_classic_without_the_sandbox_blanks_the_page_and_cannot_navigate_top() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_FRAMEBUSTER", "classic")]).await;
    let page = "/framebuster.html?sandbox=off";
    let frame = overlay_as_alice(&app, page, &["#decoy"], "framebuster-classic-unsandboxed").await;
    assert!(frame.href.starts_with(&app.bank_url), "the attacker's page kept the top window: {frame:?}");
    assert!(!frame.visible, "the script blanked the page: {frame:?}");
    let delivery = Delivery::FramedClick { framer: Framer::CrossSite, sandboxed: false };
    assert_outcome(&app, &expected_for(&app, delivery, Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn framebuster_hidden_survives_the_sandbox() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_FRAMEBUSTER", "hidden")]).await;
    let frame =
        overlay_as_alice(&app, "/framebuster.html", &["#decoy"], "framebuster-hidden-sandboxed").await;
    assert!(frame.href.starts_with(&app.bank_url) && !frame.visible, "the page stays hidden: {frame:?}");
    let predicted = expected(&app, "framebuster", Victim::Certificate, CHROMIUM);
    assert!(!predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}

#[tokio::test]
async fn framebuster_page_everything_off_and_defaults() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;
    overlay_as_alice(&app, "/framebuster.html", &["#decoy"], "framebuster-everything-off").await;
    assert_outcome(&app, &expected(&app, "framebuster", Victim::Certificate, CHROMIUM)).await;

    let app = spawn_app(&[]).await;
    overlay_as_alice(&app, "/framebuster.html", &["#decoy"], "framebuster-defaults").await;
    assert_outcome(&app, &expected(&app, "framebuster", Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn the_gesture_guard_cannot_run_in_the_sandbox_so_the_button_stays_disabled() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_GESTURE_GUARD", "on")]).await;
    let frame =
        overlay_as_alice(&app, "/framebuster.html", &["#decoy"], "framebuster-gesture-guard-alone").await;
    assert!(frame.visible && frame.text.contains("Confirm transfer"), "the page renders: {frame:?}");
    let predicted = expected(&app, "framebuster", Victim::Certificate, CHROMIUM);
    assert_eq!(predicted.blocks().len(), 1, "{predicted:?}");
    assert_outcome(&app, &predicted).await;
}
