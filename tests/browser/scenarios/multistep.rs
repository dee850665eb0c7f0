//! Multistep.

use clickjack_lab::lab::Victim;

use super::{CHROMIUM, overlay_as_alice};
use crate::attack::{assert_outcome, expected};
use crate::chromium::{self};
use crate::common::spawn_app;

const TWO_DECOYS: &[&str] = &["#decoy", "#decoy-next"];

#[tokio::test]
async fn multistep_everything_off_two_decoys_get_through_both_steps() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;
    overlay_as_alice(&app, "/multistep.html", TWO_DECOYS, "multistep-everything-off").await;
    assert_outcome(&app, &expected(&app, "multistep", Victim::Certificate, CHROMIUM)).await;
    assert_eq!(app.balances().await["mallory"], 1_000 + 60_000, "600.00, above LAB_CONFIRM_ABOVE");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE reason LIKE '%confirm again%'").await, 1);
}

#[tokio::test]
async fn multistep_frame_headers_alone_stop_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")]).await;
    let frame = overlay_as_alice(&app, "/multistep.html", TWO_DECOYS, "multistep-frame-deny-alone").await;
    assert!(frame.is_browser_error(), "{frame:?}");
    assert_outcome(&app, &expected(&app, "multistep", Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn multistep_defaults_stop_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[]).await;
    overlay_as_alice(&app, "/multistep.html", TWO_DECOYS, "multistep-defaults").await;
    assert_outcome(&app, &expected(&app, "multistep", Victim::Certificate, CHROMIUM)).await;
}
