//! Attack 10, cursorjacking: the page hides the pointer and draws a fake one 420 px to its left;
//! the bank's button is in plain sight, fully opaque, under the real one. The outcome tests run
//! the attack as the others do (the real pointer's press on the bank's button, with the `:hover`
//! and untouched-decoy controls); the deception test measures what the victim is shown.

use crate::attack::{Run, framed_page, lab, run};
use crate::engine::{Engine, Point, Session, Tab};
use crate::in_both_engines;
use crate::profile::Profile;

/// Where the page drew its fake pointer, and which element is under it.
async fn fake_pointer(browser: &Session, tab: &Tab) -> (f64, f64, String) {
    let js = "(() => { const c = document.getElementById('fake-cursor'); \
              const x = Number(c.getAttribute('data-x')), y = Number(c.getAttribute('data-y')); \
              const under = document.elementFromPoint(x, y); \
              return JSON.stringify([x, y, under ? under.id : '']); })()";
    let text = browser.eval(tab, js).await;
    serde_json::from_str(text.as_str().expect("a string")).expect("x, y and an id")
}

async fn cursorjack(engine: Engine, vars: &[(&str, &str)], shot: &str) -> Run {
    run(engine, "cursorjack", vars, &["#aim"], shot).await
}

in_both_engines! {
    async fn with_every_protection_off_the_real_pointer_confirms_the_transfer(engine: Engine) {
        let Run { app, frame, predicted } =
            cursorjack(engine, &[("LAB_PROTECTIONS", "off")], "cursorjack-everything-off").await;

        assert!(frame.text.contains("Signed in as alice by certificate"), "{frame:?}");
        assert!(predicted.succeeds());
        assert_eq!(app.balances().await["alice"], 100_000 - 2_500, "alice lost exactly 25.00");
    }

    async fn the_gesture_guard_alone_does_not_stop_it(engine: Engine) {
        let vars = [("LAB_PROTECTIONS", "off"), ("LAB_GESTURE_GUARD", "on")];
        let Run { app, predicted, .. } = cursorjack(engine, &vars, "cursorjack-gesture-guard-alone").await;

        assert!(predicted.succeeds(), "the real pointer moved over the bank's button before the press");
        assert_eq!(app.balances().await["alice"], 100_000 - 2_500);
    }

    async fn frame_headers_alone_stop_it(engine: Engine) {
        let vars = [("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")];
        let alone = cursorjack(engine, &vars, "cursorjack-frame-deny-alone").await;

        assert!(alone.frame.is_framing_refusal(), "{:?}", alone.frame);
    }

    /// The fake pointer is drawn 420 px left of the real one while the page gets mouse events; over
    /// the bank's frame it gets none, so the fake pointer stays on "Play video" while the real one
    /// is on the bank's button.
    async fn the_victim_sees_the_fake_pointer_on_play_while_the_real_one_is_on_the_bank(engine: Engine) {
        let app = lab(&[("LAB_PROTECTIONS", "off")]).await;
        let browser = Session::launch(&app, engine, Profile::with_certificate("alice")).await;
        let tab = browser.open(&format!("{}/cursorjack.html", app.sites.cross_site)).await;
        framed_page(&browser, &app, &tab).await;
        let aim = browser.centre_of(&tab, "#peephole").await;

        // Outside the frame, just left of it: the page sees the pointer and draws its own, on the bait.
        let outside = Point { x: aim.x - 105.0, y: aim.y };
        browser.point_at(&tab, outside).await;
        let (x, y, under) = fake_pointer(&browser, &tab).await;
        let real = Point { x: outside.x - 10.0, y: outside.y - 5.0 };
        let drawn_at = (x - (real.x - 420.0), y - real.y);
        assert!(drawn_at.0.abs() <= 1.5 && drawn_at.1.abs() <= 1.5, "420 px to the left, off by {drawn_at:?}");
        assert_eq!(under, "bait", "the fake pointer is on \"Play video\"");

        // Onto the bank's button: every mouse event this page still gets is recorded (the test's
        // own listener). It gets none from inside the frame: those go to the bank's document, so
        // the page cannot draw its pointer there. (Measured: Chromium's page saw no event at all
        // on the way in; Firefox's last one was about 8 px outside the frame's edge.)
        let listen = "(() => { window.seenAt = []; document.addEventListener('mousemove', \
                      (e) => window.seenAt.push([e.clientX, e.clientY])); return 1; })()";
        browser.eval(&tab, listen).await;
        browser.point_at(&tab, Point { x: aim.x + 40.0, y: aim.y + 20.0 }).await;
        let seen = browser.eval(&tab, "JSON.stringify(window.seenAt)").await;
        let seen: Vec<(f64, f64)> = serde_json::from_str(seen.as_str().expect("a string")).expect("points");
        let window = browser.eval(&tab, "JSON.stringify((r => [r.left, r.top, r.right, r.bottom])(document.getElementById('peephole').getBoundingClientRect()))").await;
        let [left, top, right, bottom]: [f64; 4] = serde_json::from_str(window.as_str().expect("a string")).expect("a box");
        let depth = |&(x, y): &(f64, f64)| (x - left).min(right - x).min(y - top).min(bottom - y);
        let deepest = seen.iter().map(depth).fold(f64::MIN, f64::max);
        assert!(deepest <= 0.5, "the page saw the pointer {deepest} px inside the bank's frame: {seen:?}");
        let hovered = browser.iframes(&tab).await.iter().any(|f| f.hovered > 0);
        assert!(hovered, "the real pointer is over the bank's page");
        browser.close().await;
    }
}
