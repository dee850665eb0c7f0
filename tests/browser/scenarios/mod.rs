//! Attacks 2 to 8, each against the defence that should stop it alone, everything off, and the
//! defaults; every test compares what happened with what the lab predicts (`lab::expect`).

mod cookie_session;
mod csrf;
mod doubleclick;
mod framebuster;
mod misconfig;
mod multistep;
mod samesite;

use clickjack_lab::lab::Browser;

use crate::attack::overlay_attack;
use crate::chromium::{Chromium, Profile};
use crate::common::TestApp;
use crate::frames::FrameView;

const CHROMIUM: Browser = Browser::CHROMIUM_DEFAULTS;

/// Alice (certificate) on an overlay attack page of the cross-site attacker.
async fn overlay_as_alice(app: &TestApp, page: &str, decoys: &[&str], shot: &str) -> FrameView {
    let chrome = Chromium::launch(app, Profile::with_certificate("alice")).await;
    let frame = overlay_attack(&chrome, app, &format!("{}{page}", app.attacker_url), decoys, shot).await;
    chrome.close().await;
    frame
}
