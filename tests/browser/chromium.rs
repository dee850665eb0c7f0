//! Real headless Chromium with a lab user's client certificate in its profile (the recipe of
//! ../shared/BROWSER.md): a fresh HOME holding a copy of the user's NSS database (the lab CA
//! trusted, the user's .p12), and a fresh profile whose Preferences auto-select certificates from
//! the lab CA. Chromium's settings are otherwise its defaults (third-party cookies blocked, popups
//! blocked).

use std::path::PathBuf;
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::layout::Point;
use chromiumoxide::page::Page;
use futures_util::StreamExt;
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio::time::timeout;

use crate::engine::{Engine, found};
use crate::profile::{self, Profile, nss_tools};

pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 900;

pub struct Chromium {
    browser: Browser,
    events: JoinHandle<()>,
    _profile: TempDir,
}

/// The browser's flags (the recipe of ../shared/BROWSER.md): headless, as root, off the network.
pub const FLAGS: &[&str] = &[
    "headless",
    "no-sandbox",
    "disable-gpu",
    "disable-quic",
    "no-first-run",
    "disable-background-networking",
    "disable-component-update",
    "disable-sync",
    "disable-dev-shm-usage",
];

/// Chromium, as `clickjack-lab browser` finds it (`LAB_CHROMIUM`, else `PATH` and where it installs).
pub fn executable() -> Option<PathBuf> {
    profile::finder().find(Engine::Chromium).ok()
}

/// Whether the Chromium tests can run here (see [`crate::engine::found`]).
pub fn available() -> bool {
    found(executable().is_some() && nss_tools(), "Chromium", "apt-get install -y chromium libnss3-tools")
}

impl Chromium {
    /// Launches Chromium with this profile.
    pub async fn launch(profile_settings: Profile<'_>) -> Self {
        // Short path: Chromium's singleton socket path must stay under 108 bytes.
        let profile = tempfile::Builder::new().prefix("cj").tempdir_in("/tmp").unwrap();
        profile::copy_into(Engine::Chromium, profile_settings, profile.path());
        let (home, user_data) = (profile.path().join("home"), profile.path().join("user-data"));

        let config = BrowserConfig::builder()
            .chrome_executable(executable().expect("checked by available()"))
            .disable_default_args()
            .args(FLAGS.iter().copied())
            .user_data_dir(&user_data)
            .window_size(WIDTH, HEIGHT)
            .viewport(Viewport { width: WIDTH, height: HEIGHT, ..Default::default() })
            .env("HOME", home.display().to_string())
            .respect_https_errors()
            .launch_timeout(Duration::from_secs(30))
            .request_timeout(Duration::from_secs(30))
            .build()
            .expect("browser config");
        let (browser, mut handler) = Browser::launch(config).await.expect("Chromium starts");
        // Drive the CDP connection; unknown messages from a newer Chromium are not our concern.
        let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
        Self { browser, events, _profile: profile }
    }

    pub async fn open(&self, url: &str) -> Page {
        timeout(Duration::from_secs(30), self.browser.new_page(url))
            .await
            .expect("page opens in time")
            .expect("page opens")
    }

    /// The browser's DevTools address (for a connection of a test's own).
    pub fn websocket(&self) -> &str {
        self.browser.websocket_address()
    }

    /// Every open page (tabs and popups).
    pub async fn pages(&self) -> Vec<Page> {
        timeout(Duration::from_secs(10), self.browser.pages()).await.expect("pages in time").expect("pages")
    }

    pub async fn close(mut self) {
        let _ = timeout(Duration::from_secs(5), self.browser.close()).await;
        let _ = timeout(Duration::from_secs(5), self.browser.wait()).await;
        self.events.abort();
    }
}

/// Like [`eval`], but `None` while the page is between documents (a navigation in flight).
pub async fn try_eval(page: &Page, js: &str) -> Option<serde_json::Value> {
    match timeout(Duration::from_secs(10), page.evaluate(js)).await {
        Ok(Ok(result)) => Some(result.into_value().unwrap_or(serde_json::Value::Null)),
        _ => None,
    }
}

/// A mouse press and release at `point` (CDP Input.dispatchMouseEvent), after moving there.
pub async fn click_at(page: &Page, point: Point) {
    timeout(Duration::from_secs(10), page.click(point)).await.expect("click in time").expect("click");
}

/// A tap of one finger at `point` (CDP Input.dispatchTouchEvent, touch emulated on this headless
/// desktop browser): a press and a release, with no pointer moving or hovering before it.
pub async fn tap_at(page: &Page, point: Point) {
    use chromiumoxide::cdp::browser_protocol::emulation::SetTouchEmulationEnabledParams;
    use chromiumoxide::cdp::browser_protocol::input::{
        DispatchTouchEventParams, DispatchTouchEventType, TouchPoint,
    };
    let touch =
        SetTouchEmulationEnabledParams::builder().enabled(true).max_touch_points(1).build().expect("touch");
    timeout(Duration::from_secs(10), page.execute(touch))
        .await
        .expect("touch in time")
        .expect("touch emulation");
    for (kind, points) in [
        (DispatchTouchEventType::TouchStart, vec![TouchPoint::new(point.x, point.y)]),
        // chromiumoxide leaves an empty list out, which Chromium refuses; it takes the point here.
        (DispatchTouchEventType::TouchEnd, vec![TouchPoint::new(point.x, point.y)]),
    ] {
        let event =
            DispatchTouchEventParams::builder().r#type(kind).touch_points(points).build().expect("event");
        timeout(Duration::from_secs(10), page.execute(event)).await.expect("tap in time").expect("tap");
    }
}

/// A JPEG of the top of the page, where the attack happens.
pub async fn screenshot(page: &Page) -> Result<Vec<u8>, String> {
    use chromiumoxide::cdp::browser_protocol::page::{CaptureScreenshotFormat, Viewport};
    use chromiumoxide::page::ScreenshotParams;
    let top = Viewport { x: 0.0, y: 0.0, width: f64::from(WIDTH), height: 560.0, scale: 1.0 };
    let params =
        ScreenshotParams::builder().format(CaptureScreenshotFormat::Jpeg).quality(70).clip(top).build();
    match timeout(Duration::from_secs(10), page.screenshot(params)).await {
        Ok(Ok(jpeg)) => Ok(jpeg),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no screenshot within 10 s".to_owned()),
    }
}

/// A PNG of the whole viewport, for reading pixels.
pub async fn png(page: &Page) -> Result<Vec<u8>, String> {
    use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
    use chromiumoxide::page::ScreenshotParams;
    let params = ScreenshotParams::builder().format(CaptureScreenshotFormat::Png).build();
    match timeout(Duration::from_secs(10), page.screenshot(params)).await {
        Ok(Ok(png)) => Ok(png),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no screenshot within 10 s".to_owned()),
    }
}

impl Chromium {
    /// What every iframe of `page` rendered: its cross-site (out-of-process) frames and its
    /// same-site ones (see [`crate::frames`]).
    pub async fn iframes(&self, page: &Page) -> Vec<crate::frames::FrameView> {
        let mut views = crate::frames::iframes(self.browser.websocket_address()).await;
        views.extend(crate::frames::in_process_frames(page).await);
        views
    }
}
