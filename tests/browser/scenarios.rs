//! Attacks 2 to 8, each against the defence that should stop it alone, everything off, and the
//! defaults; every test compares what happened with what the lab predicts (`lab::expect`).

use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::page::EventLoadEventFired;
use chromiumoxide::types::ClickOptions;
use clickjack_lab::lab::{Browser, Delivery, Framer, Victim};
use futures_util::StreamExt;

use crate::attack::{
    assert_outcome, expected, expected_for, note_attack, overlay_attack, shot_path, sign_in_by_password,
};
use crate::chromium::{self, Chromium, Profile};
use crate::common::{TestApp, spawn_app};
use crate::frames::FrameView;

const CHROMIUM: Browser = Browser::CHROMIUM_DEFAULTS;

/// Alice (certificate) on an overlay attack page of the cross-site attacker.
async fn overlay_as_alice(app: &TestApp, page: &str, decoys: &[&str], shot: &str) -> FrameView {
    let chrome = Chromium::launch(app, Profile::with_certificate("alice")).await;
    let frame = overlay_attack(&chrome, app, &format!("{}{page}", app.attacker_url), decoys, shot).await;
    chrome.close().await;
    frame
}

// ---- 2. Multistep ---------------------------------------------------------------------------

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

// ---- 3. Frame busters -----------------------------------------------------------------------

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

// ---- 4. CSRF --------------------------------------------------------------------------------

/// Alice opens the CSRF page and waits for it to submit its form.
async fn csrf(app: &TestApp, shot: &str) -> String {
    let chrome = Chromium::launch(app, Profile::with_certificate("alice")).await;
    let url = format!("{}/csrf.html?wait=1", app.attacker_url);
    note_attack(app, &chrome, &url, shot);
    let page = chrome.open(&url).await;
    let mut landed = String::new();
    chromium::wait_for("the forged form to land on the bank", Duration::from_secs(20), async || {
        let js = "location.origin + ' ' + document.readyState + ' ' + document.body.innerText";
        landed = chromium::try_eval(&page, js)
            .await
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        landed.starts_with(&app.bank_url) && landed.contains(" complete ")
    })
    .await;
    chromium::screenshot(&page, &shot_path(shot)).await;
    chrome.close().await;
    landed
}

#[tokio::test]
async fn csrf_everything_off_the_forged_form_moves_the_money() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;
    let landed = csrf(&app, "csrf-everything-off").await;
    assert!(landed.contains("Transfer done"), "{landed}");
    assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, CHROMIUM)).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transfers WHERE detection = 'forged' AND scenario = 'csrf'").await,
        1
    );
}

#[tokio::test]
async fn csrf_the_origin_check_alone_stops_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_ORIGIN_CHECK", "on")]).await;
    let landed = csrf(&app, "csrf-origin-check-alone").await;
    assert!(landed.contains("Refused by the origin check"), "{landed}");
    assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn csrf_the_token_alone_stops_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_CSRF_TOKEN", "on")]).await;
    let landed = csrf(&app, "csrf-token-alone").await;
    assert!(landed.contains("Refused by the CSRF token check"), "{landed}");
    assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn csrf_defaults_stop_it_and_frame_headers_are_irrelevant() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[]).await;
    csrf(&app, "csrf-defaults").await;
    assert_outcome(&app, &expected(&app, "csrf", Victim::Certificate, CHROMIUM)).await;

    // Frame headers and Fetch Metadata on, the origin check and the token off: it goes through.
    let app = spawn_app(&[("LAB_ORIGIN_CHECK", "off"), ("LAB_CSRF_TOKEN", "off")]).await;
    csrf(&app, "csrf-frame-headers-on").await;
    let predicted = expected(&app, "csrf", Victim::Certificate, CHROMIUM);
    assert!(predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}

// ---- 5. DoubleClickjacking ------------------------------------------------------------------

/// Alice starts the "captcha", and double-clicks in the popup: the first click in the popup, the
/// second (as fast as a double-click) at the same point of the window underneath, which the
/// popup navigated to the bank in between.
async fn double_click(app: &TestApp, shot: &str) {
    let chrome = Chromium::launch(app, Profile::with_certificate("alice")).await;
    let url = format!("{}/doubleclick.html", app.attacker_url);
    note_attack(app, &chrome, &url, shot);
    let page = chrome.open(&url).await;
    let start = chromium::centre_of(&page, "#start").await;
    chromium::read_then_point(&page, start).await;
    chromium::click_at(&page, start).await;

    let mut popup = None;
    chromium::wait_for("the captcha popup", Duration::from_secs(10), async || {
        for candidate in chrome.pages().await {
            if candidate.url().await.ok().flatten().is_some_and(|u| u.ends_with("/doubleclick-popup.html")) {
                popup = Some(candidate);
            }
        }
        popup.is_some()
    })
    .await;
    let popup = popup.expect("waited for it");
    chromium::wait_for("the popup's script", Duration::from_secs(10), async || {
        chromium::try_eval(&popup, "document.readyState").await == Some("complete".into())
    })
    .await;
    // A person reads the popup first (by then its window has its final size), then aims.
    chromium::read(&popup).await;
    let spot = chromium::centre_of(&popup, "#captcha").await;
    chromium::point_at(&popup, spot).await;

    // The first press springs the trap (the popup may close before the release is delivered);
    // the second click follows as soon as the bank's page has loaded underneath, as fast as the
    // second half of a double-click.
    let mut loads = page.event_listener::<EventLoadEventFired>().await.expect("load events");
    // The popup closes itself right after the press: its release may never be acknowledged.
    let _ = tokio::time::timeout(Duration::from_millis(300), popup.click(spot)).await;
    tokio::time::timeout(Duration::from_secs(10), loads.next())
        .await
        .expect("the popup navigated the window underneath")
        .expect("a load event");
    let second = ClickOptions::builder().click_count(2).build();
    tokio::time::timeout(Duration::from_secs(5), page.click_with(spot, second))
        .await
        .expect("second click in time")
        .expect("second click");
    tokio::time::sleep(Duration::from_millis(800)).await;
    chromium::screenshot(&page, &shot_path(shot)).await;
    chrome.close().await;
}

#[tokio::test]
async fn doubleclick_everything_off_the_second_click_confirms() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;
    double_click(&app, "doubleclick-everything-off").await;
    assert_outcome(&app, &expected(&app, "doubleclick", Victim::Certificate, CHROMIUM)).await;
    let detected = "SELECT COUNT(*) FROM transfers WHERE detection = 'popup' AND scenario = 'doubleclick'";
    assert_eq!(app.count(detected).await, 1);
}

#[tokio::test]
async fn doubleclick_frame_headers_and_fetch_metadata_do_not_help() {
    if !chromium::available() {
        return;
    }
    let vars = [("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny"), ("LAB_FETCH_METADATA", "on")];
    let app = spawn_app(&vars).await;
    double_click(&app, "doubleclick-frame-headers-on").await;
    let predicted = expected(&app, "doubleclick", Victim::Certificate, CHROMIUM);
    assert!(predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}

#[tokio::test]
async fn doubleclick_the_gesture_guard_alone_stops_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_PROTECTIONS", "off"), ("LAB_GESTURE_GUARD", "on")]).await;
    double_click(&app, "doubleclick-gesture-guard-alone").await;
    assert_outcome(&app, &expected(&app, "doubleclick", Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn doubleclick_defaults_stop_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[]).await;
    double_click(&app, "doubleclick-defaults").await;
    assert_outcome(&app, &expected(&app, "doubleclick", Victim::Certificate, CHROMIUM)).await;
}

#[tokio::test]
async fn the_gesture_guard_lets_a_person_who_reads_and_moves_confirm() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[]).await;
    let chrome = Chromium::launch(&app, Profile::with_certificate("alice")).await;
    let page = chrome.open(&app.url("/transfer/confirm?to=bob&amount=5.00&memo=lunch")).await;
    let button = chromium::centre_of(&page, "#confirm-transfer").await;
    assert_eq!(chromium::eval(&page, "document.getElementById('confirm-transfer').disabled").await, true);
    chromium::read_then_point(&page, button).await;
    chromium::click_at(&page, button).await;
    chromium::wait_for("bob to be paid", Duration::from_secs(10), async || {
        app.balances().await["bob"] == 100_500
    })
    .await;
    chrome.close().await;
}

// ---- 6. Misconfigurations -------------------------------------------------------------------

/// The misconfiguration page against a bank running `vars` (on top of everything else off).
async fn misconfigured(vars: &[(&str, &str)], shot: &str) -> TestApp {
    let mut all = vec![("LAB_PROTECTIONS", "off")];
    all.extend_from_slice(vars);
    let app = spawn_app(&all).await;
    let frame = overlay_as_alice(&app, "/misconfig.html", &["#decoy"], shot).await;
    assert!(frame.text.contains("Confirm transfer"), "the bank rendered in the frame: {frame:?}");
    let predicted = expected(&app, "misconfig", Victim::Certificate, CHROMIUM);
    assert!(predicted.succeeds(), "{vars:?} looks protected and is not");
    assert_outcome(&app, &predicted).await;
    app
}

#[tokio::test]
async fn misconfig_frame_ancestors_in_a_meta_tag_is_ignored() {
    if !chromium::available() {
        return;
    }
    misconfigured(&[("LAB_FRAME", "meta")], "misconfig-meta").await;
}

#[tokio::test]
async fn misconfig_x_frame_options_allow_from_fails_open() {
    if !chromium::available() {
        return;
    }
    misconfigured(&[("LAB_FRAME", "allow-from")], "misconfig-allow-from").await;
}

#[tokio::test]
async fn misconfig_report_only_reports_the_framing_and_allows_it() {
    if !chromium::available() {
        return;
    }
    let app = misconfigured(&[("LAB_FRAME", "report-only")], "misconfig-report-only").await;
    let reports =
        "SELECT COUNT(*) FROM audit_events WHERE path = '/csp-report' AND reason LIKE '%frame-ancestors%'";
    chromium::wait_for("the CSP report", Duration::from_secs(10), async || app.count(reports).await >= 1)
        .await;
}

#[tokio::test]
async fn misconfig_an_allowlist_that_lists_the_attacker() {
    if !chromium::available() {
        return;
    }
    // The allowlist names the attacker's origin, so its port is chosen here, not by the lab.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let attacker = format!("http://127.0.0.1:{port}");
    let app = spawn_app(&[
        ("LAB_PROTECTIONS", "off"),
        ("LAB_FRAME", "allowlist"),
        ("LAB_ATTACKER_PORT", port.as_str()),
        ("LAB_FRAME_ANCESTORS", attacker.as_str()),
    ])
    .await;
    let frame = overlay_as_alice(&app, "/misconfig.html", &["#decoy"], "misconfig-allowlist").await;
    assert!(frame.text.contains("Confirm transfer"), "{frame:?}");
    assert_outcome(&app, &expected(&app, "misconfig", Victim::Certificate, CHROMIUM)).await;
}

// ---- 7. Same-site attacker ------------------------------------------------------------------

/// Alice, signed in by password (no certificate in the browser), on the same-site attack page.
async fn same_site(app: &TestApp, shot: &str) -> FrameView {
    let chrome = Chromium::launch(app, Profile { user: None, third_party_cookies: false }).await;
    sign_in_by_password(&chrome, app).await;
    let url = format!("{}/samesite.html", app.samesite_attacker_url);
    let frame = overlay_attack(&chrome, app, &url, &["#decoy"], shot).await;
    chrome.close().await;
    frame
}

#[tokio::test]
async fn samesite_strict_is_no_defence_against_a_sibling_origin() {
    if !chromium::available() {
        return;
    }
    let app =
        spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off"), ("LAB_SAMESITE", "strict")]).await;
    let frame = same_site(&app, "samesite-strict").await;
    assert!(
        frame.text.contains("Signed in as alice by password"),
        "the Strict cookie reached the frame: {frame:?}"
    );
    let predicted = expected(&app, "samesite", Victim::CookieSession, CHROMIUM);
    assert!(predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}

#[tokio::test]
async fn samesite_frame_headers_alone_stop_it() {
    if !chromium::available() {
        return;
    }
    let vars = [("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")];
    let app = spawn_app(&vars).await;
    let frame = same_site(&app, "samesite-frame-deny-alone").await;
    assert!(frame.is_browser_error(), "{frame:?}");
    assert_outcome(&app, &expected(&app, "samesite", Victim::CookieSession, CHROMIUM)).await;
}

#[tokio::test]
async fn samesite_page_everything_off_and_defaults() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;
    same_site(&app, "samesite-everything-off").await;
    assert_outcome(&app, &expected(&app, "samesite", Victim::CookieSession, CHROMIUM)).await;

    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    same_site(&app, "samesite-defaults").await;
    assert_outcome(&app, &expected(&app, "samesite", Victim::CookieSession, CHROMIUM)).await;
}

// ---- 8. Cookie-session variant --------------------------------------------------------------

/// Alice, signed in by password, on the cookie-session page, in a browser that does or does not
/// allow third-party cookies.
async fn cookie_session(app: &TestApp, third_party_cookies: bool, shot: &str) -> FrameView {
    let chrome = Chromium::launch(app, Profile { user: None, third_party_cookies }).await;
    sign_in_by_password(&chrome, app).await;
    let url = format!("{}/cookie-session.html", app.attacker_url);
    let frame = overlay_attack(&chrome, app, &url, &["#decoy"], shot).await;
    chrome.close().await;
    frame
}

#[tokio::test]
async fn cookie_session_chromiums_default_third_party_cookie_blocking_shields_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;
    let frame = cookie_session(&app, false, "cookie-session-3pc-blocked").await;
    assert!(frame.text.contains("Sign in first"), "no cookie in the cross-site frame: {frame:?}");
    let predicted = expected(&app, "cookie-session", Victim::CookieSession, CHROMIUM);
    assert!(!predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}

#[tokio::test]
async fn cookie_session_with_third_party_cookies_allowed_and_samesite_none_is_clickjacked() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;
    let frame = cookie_session(&app, true, "cookie-session-3pc-allowed").await;
    assert!(frame.text.contains("Signed in as alice by password"), "{frame:?}");
    let predicted =
        expected(&app, "cookie-session", Victim::CookieSession, Browser { third_party_cookies: true });
    assert!(predicted.succeeds());
    assert_outcome(&app, &predicted).await;
}

#[tokio::test]
async fn cookie_session_samesite_lax_alone_stops_it_even_with_third_party_cookies_allowed() {
    if !chromium::available() {
        return;
    }
    let app =
        spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off"), ("LAB_SAMESITE", "lax")]).await;
    let frame = cookie_session(&app, true, "cookie-session-lax").await;
    assert!(frame.text.contains("Sign in first"), "{frame:?}");
    let allowed = Browser { third_party_cookies: true };
    assert_outcome(&app, &expected(&app, "cookie-session", Victim::CookieSession, allowed)).await;
}

#[tokio::test]
async fn cookie_session_defaults_stop_it() {
    if !chromium::available() {
        return;
    }
    let app = spawn_app(&[("LAB_MTLS", "optional")]).await;
    let frame = cookie_session(&app, true, "cookie-session-defaults").await;
    assert!(frame.is_browser_error(), "{frame:?}");
    let allowed = Browser { third_party_cookies: true };
    assert_outcome(&app, &expected(&app, "cookie-session", Victim::CookieSession, allowed)).await;
}
