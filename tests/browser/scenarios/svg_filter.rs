//! Attack 9, SVG-filter clickjacking: the bank framed at full opacity under an SVG filter that
//! keeps only its button, recoloured. Where the money goes is the same in both engines (the click
//! lands); what the victim sees is not, and a script may not read a cross-origin frame's pixels,
//! so the tests read them from the browser's own screenshot.

use crate::attack::{Run, framed_page, lab, run};
use crate::common::TestApp;
use crate::engine::{Engine, Session};
use crate::in_both_engines;
use crate::profile::Profile;

/// One pixel of a PNG, as RGB.
fn pixel(png: &[u8], (x, y): (u32, u32)) -> (u8, u8, u8) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a screenshot fits in memory")];
    let info = reader.next_frame(&mut buffer).expect("the PNG's pixels");
    let channels = info.color_type.samples();
    let at = (y as usize * info.width as usize + x as usize) * channels;
    (buffer[at], buffer[at + 1], buffer[at + 2])
}

fn is_red((r, g, b): (u8, u8, u8)) -> bool {
    r > 150 && g < 90 && b < 90
}

/// The centre of `selector` in screenshot pixels (the page's CSS pixels times its pixel ratio).
async fn centre(browser: &Session, tab: &crate::engine::Tab, selector: &str) -> (u32, u32) {
    let at = browser.centre_of(tab, selector).await;
    let scale = browser.eval(tab, "window.devicePixelRatio").await.as_f64().expect("a number");
    ((at.x * scale).round() as u32, (at.y * scale).round() as u32)
}

/// What alice sees on the attack page with every protection off: whether the page's own square
/// went through its SVG filter (the control: the engine applies SVG filters), and whether the
/// scene's red wheel shows through the frame (the filter made the bank transparent there).
async fn what_alice_sees(engine: Engine) -> (bool, bool) {
    let app: TestApp = lab(&[("LAB_PROTECTIONS", "off")]).await;
    let browser = Session::launch(&app, engine, Profile::with_certificate("alice")).await;
    let tab = browser.open(&format!("{}/svg-filter.html", app.sites.cross_site)).await;
    let frame = framed_page(&browser, &app, &tab).await;
    assert!(frame.text.contains("Confirm transfer"), "the bank rendered in the frame: {frame:?}");
    let (check, wheel) =
        (centre(&browser, &tab, "#filter-check").await, centre(&browser, &tab, "#wheel").await);
    // The frame paints after its document is complete: a moment for the compositor.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let png = browser.png(&tab).await;
    let seen = (is_red(pixel(&png, check)), is_red(pixel(&png, wheel)));
    browser.close().await;
    seen
}

in_both_engines! {
    async fn with_every_protection_off_the_click_lands_in_both_engines(engine: Engine) {
        let Run { app, frame, predicted } =
            run(engine, "svg-filter", &[("LAB_PROTECTIONS", "off")], &["#decoy"], "svg-filter-everything-off").await;

        assert!(frame.text.contains("Signed in as alice by certificate"), "{frame:?}");
        assert!(predicted.succeeds());
        assert_eq!(app.balances().await["alice"], 100_000 - 3_500, "alice lost exactly 35.00");
    }

    /// Chromium 156 does not apply SVG filters to a cross-origin frame (Chromium 150 and later):
    /// the bank shows whole, and the disguise fails. Firefox 153 ESR applies it. Both apply the
    /// same filter to the page's own content.
    async fn the_disguise_shows_in_firefox_and_not_in_chromium(engine: Engine) {
        let (filters_applied, wheel_shows_through) = what_alice_sees(engine).await;

        assert!(filters_applied, "the control: {engine:?} applies the page's SVG filter to its own square");
        match engine {
            Engine::Chromium => assert!(!wheel_shows_through, "Chromium filtered the cross-origin frame"),
            Engine::Firefox => assert!(wheel_shows_through, "Firefox did not filter the cross-origin frame"),
        }
    }

    async fn with_the_defaults_the_frame_is_refused(engine: Engine) {
        let defaults = run(engine, "svg-filter", &[], &["#decoy"], "svg-filter-defaults").await;

        assert!(defaults.frame.is_framing_refusal(), "{:?}", defaults.frame);
    }
}
