//! Real headless Chromium with a lab user's client certificate in its profile (the recipe of
//! ../shared/BROWSER.md): a fresh HOME whose NSS database trusts the lab CA and holds the
//! user's .p12, and a fresh profile whose Preferences auto-select certificates from the lab CA.
//! Chromium's settings are otherwise its defaults (third-party cookies blocked, popups blocked).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::layout::Point;
use chromiumoxide::page::Page;
use clickjack_lab::pki::{CA_COMMON_NAME, P12_PASSWORD};
use futures_util::StreamExt;
use tempfile::TempDir;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::task::JoinHandle;
use tokio::time::timeout;

use crate::common::TestApp;
use crate::engine::{found, nss_tools, run};

/// Two cores: one browser at a time (of either engine) keeps every test's timing honest.
pub static ONE_AT_A_TIME: Semaphore = Semaphore::const_new(1);

pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 900;

pub struct Chromium {
    browser: Browser,
    events: JoinHandle<()>,
    _profile: TempDir,
    _turn: SemaphorePermit<'static>,
}

fn executable() -> Option<PathBuf> {
    let candidates = [std::env::var("CHROMIUM_BIN").ok(), Some("/usr/lib/chromium/chromium".into())];
    candidates.into_iter().flatten().map(PathBuf::from).find(|p| p.is_file())
}

/// Whether the Chromium tests can run here (see [`crate::engine::found`]).
pub fn available() -> bool {
    found(executable().is_some() && nss_tools(), "Chromium", "apt-get install -y chromium libnss3-tools")
}

/// A fresh HOME whose NSS database trusts the lab CA and holds `user`'s certificate (if any).
fn nss_home(root: &Path, certs: &Path, user: Option<&str>) -> PathBuf {
    let home = root.join("h");
    let db = home.join(".pki/nssdb");
    std::fs::create_dir_all(&db).unwrap();
    let db_arg = format!("sql:{}", db.display());
    run(Command::new("certutil").args(["-d", &db_arg, "-N", "--empty-password"]));
    let ca = certs.join("ca.crt");
    run(Command::new("certutil").args(["-d", &db_arg, "-A", "-t", "C,,", "-n", "lab-ca", "-i"]).arg(&ca));
    if let Some(user) = user {
        let p12 = certs.join(format!("{user}.p12"));
        run(Command::new("pk12util").args(["-d", &db_arg, "-i"]).arg(&p12).args(["-W", P12_PASSWORD]));
    }
    home
}

/// A browser profile: whose certificate it holds, and the one cookie setting the lab is about.
#[derive(Debug, Clone, Copy)]
pub struct Profile<'a> {
    /// The user whose .p12 is imported (None: no client certificate at all).
    pub user: Option<&'a str>,
    /// Allow third-party cookies. Chromium's default (false here) blocks them.
    pub third_party_cookies: bool,
}

impl<'a> Profile<'a> {
    /// Chromium's defaults, with `user`'s certificate.
    pub fn with_certificate(user: &'a str) -> Self {
        Self { user: Some(user), third_party_cookies: false }
    }
}

/// Profile preferences: auto-select lab certificates for https://localhost on any port, and,
/// only if asked, allow third-party cookies (`cookie_controls_mode` 0).
fn write_preferences(user_data: &Path, profile: Profile<'_>) {
    let mut prefs = serde_json::json!({
        "profile": { "content_settings": { "exceptions": { "auto_select_certificate": {
            "https://localhost,*": { "setting": { "filters": [ { "ISSUER": { "CN": CA_COMMON_NAME } } ] } }
        } } } }
    });
    if profile.third_party_cookies {
        prefs["profile"]["cookie_controls_mode"] = serde_json::json!(0);
    }
    std::fs::create_dir_all(user_data.join("Default")).unwrap();
    std::fs::write(user_data.join("Default/Preferences"), prefs.to_string()).unwrap();
}

impl Chromium {
    /// Launches Chromium for `app` with this profile.
    pub async fn launch(app: &TestApp, profile_settings: Profile<'_>) -> Self {
        let turn = ONE_AT_A_TIME.acquire().await.expect("semaphore");
        // Short path: Chromium's singleton socket path must stay under 108 bytes.
        let profile = tempfile::Builder::new().prefix("cj").tempdir_in("/tmp").unwrap();
        let home = nss_home(profile.path(), &app.certs, profile_settings.user);
        let user_data = profile.path().join("u");
        write_preferences(&user_data, profile_settings);

        let config = BrowserConfig::builder()
            .chrome_executable(executable().expect("checked by available()"))
            .disable_default_args()
            .args([
                "headless",
                "no-sandbox",
                "disable-gpu",
                "disable-quic",
                "no-first-run",
                "disable-background-networking",
                "disable-component-update",
                "disable-sync",
                "disable-dev-shm-usage",
            ])
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
        Self { browser, events, _profile: profile, _turn: turn }
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

/// Saves a JPEG of the top of the page, where the attack happens (for the docs, and for a person
/// debugging a failure).
pub async fn screenshot(page: &Page, path: &Path) {
    use chromiumoxide::cdp::browser_protocol::page::{CaptureScreenshotFormat, Viewport};
    use chromiumoxide::page::ScreenshotParams;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let top = Viewport { x: 0.0, y: 0.0, width: f64::from(WIDTH), height: 560.0, scale: 1.0 };
    let params =
        ScreenshotParams::builder().format(CaptureScreenshotFormat::Jpeg).quality(70).clip(top).build();
    let jpeg = timeout(Duration::from_secs(10), page.screenshot(params))
        .await
        .expect("screenshot in time")
        .expect("screenshot");
    std::fs::write(path, jpeg).unwrap();
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
