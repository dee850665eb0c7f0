//! Real headless Firefox ESR, driven through geckodriver (WebDriver), with a lab user's client
//! certificate in its profile (the recipe of ../shared/BROWSER.md): the profile holds a copy of
//! the user's NSS database (the lab CA trusted, the user's .p12), and its prefs select the
//! certificate without asking. Firefox's settings are otherwise its defaults (Total Cookie Protection).
//!
//! On top of the profile, the prefs of a driven Firefox (`firefox_driven_user_js`): without them
//! a WebDriver click at a point over a cross-site `<iframe>` stops at the `<iframe>` element and
//! never reaches the framed page, a silent false "blocked". Every attack test keeps a positive
//! control for it.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction, TouchActions};
use fantoccini::wd::WindowHandle;
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::time::timeout;

use clickjack_lab::browser::profile::firefox_driven_user_js;

use crate::engine::{Engine, found};
use crate::frames::FrameView;
use crate::profile::{self, Profile, nss_tools};

/// Firefox, as `clickjack-lab browser` finds it (`LAB_FIREFOX`, else `PATH` and where it installs).
pub fn binary() -> Option<PathBuf> {
    profile::finder().find(Engine::Firefox).ok()
}

/// `$GECKODRIVER`, else where `cargo install` puts it (`$CARGO_HOME/bin`, `~/.cargo/bin`), else `PATH`.
fn geckodriver() -> Option<PathBuf> {
    let env = |name: &str| std::env::var_os(name).map(PathBuf::from);
    let mut candidates = vec![env("GECKODRIVER")];
    candidates.push(env("CARGO_HOME").map(|home| home.join("bin/geckodriver")));
    candidates.push(env("HOME").map(|home| home.join(".cargo/bin/geckodriver")));
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|dir| Some(dir.join("geckodriver"))));
    }
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// geckodriver and the Firefox it starts: stopped when dropped, however the test ends (std's
/// `Child` does not kill on drop). Firefox is found by the profile's unique path on its command line.
struct Processes {
    driver: Child,
    profile: TempDir,
}

impl Drop for Processes {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = Command::new("pkill").arg("-f").arg(self.profile.path()).status();
    }
}

/// Whether the Firefox tests can run here (see [`crate::engine::found`]).
pub fn available() -> bool {
    let ok = binary().is_some() && geckodriver().is_some() && nss_tools();
    found(
        ok,
        "Firefox ESR or geckodriver",
        "apt-get install -y firefox-esr libnss3-tools; cargo install geckodriver",
    )
}

pub struct Firefox {
    client: Client,
    /// The window the session started with (the first tab a test opens).
    first: Option<WindowHandle>,
    opened_first: std::sync::atomic::AtomicBool,
    // Dropped after the client: the processes stop, then the profile goes.
    _processes: Processes,
}

impl Firefox {
    pub async fn launch(settings: Profile<'_>) -> Self {
        let profile = tempfile::Builder::new().prefix("ff").tempdir_in("/tmp").unwrap();
        profile::copy_into(Engine::Firefox, settings, profile.path());
        let mut prefs =
            std::fs::OpenOptions::new().append(true).open(profile.path().join("user.js")).unwrap();
        prefs.write_all(firefox_driven_user_js().as_bytes()).unwrap();

        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(geckodriver().expect("checked by available()"))
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--log", "error"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start geckodriver");
        // From here on, a panic still stops geckodriver and Firefox.
        let processes = Processes { driver, profile };
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "moz:firefoxOptions".into(),
            json!({
                "binary": binary().expect("checked by available()"),
                // The prefs are in the profile's user.js, written above.
                "args": ["-headless", "-profile", processes.profile.path()],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut attempt = 0;
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(capabilities.clone()).connect(&url).await {
                Ok(client) => break client,
                Err(_) if attempt < 50 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("Firefox did not start through geckodriver: {e}"),
            }
        };
        client.set_window_size(crate::chromium::WIDTH, crate::chromium::HEIGHT).await.expect("window size");
        let first = client.window().await.ok();
        Self { client, first, opened_first: std::sync::atomic::AtomicBool::new(false), _processes: processes }
    }

    /// Opens `url` in a new tab (the first time, in the window the session started with).
    pub async fn open(&self, url: &str) -> WindowHandle {
        let reuse = !self.opened_first.swap(true, std::sync::atomic::Ordering::SeqCst);
        let handle = match (&self.first, reuse) {
            (Some(first), true) => first.clone(),
            _ => self.client.new_window(true).await.expect("new tab").handle,
        };
        self.client.switch_to_window(handle.clone()).await.expect("switch to the tab");
        timeout(Duration::from_secs(30), self.client.goto(url))
            .await
            .expect("page loads in time")
            .expect("goto");
        handle
    }

    async fn focus(&self, tab: &WindowHandle) -> bool {
        if self.client.window().await.ok().as_ref() == Some(tab) {
            return true;
        }
        self.client.switch_to_window(tab.clone()).await.is_ok()
    }

    /// Evaluates a JavaScript expression in the tab's top document.
    pub async fn try_eval(&self, tab: &WindowHandle, js: &str) -> Option<Value> {
        if !self.focus(tab).await {
            return None;
        }
        let _ = self.client.enter_parent_frame().await;
        let script = format!("return ({js});");
        timeout(Duration::from_secs(10), self.client.execute(&script, vec![])).await.ok()?.ok()
    }

    /// What each iframe of the tab rendered (WebDriver can enter cross-site frames).
    pub async fn iframes(&self, tab: &WindowHandle) -> Vec<FrameView> {
        let Some(count) = self.try_eval(tab, "document.querySelectorAll('iframe').length").await else {
            return Vec::new();
        };
        let mut views = Vec::new();
        for index in 0..count.as_u64().unwrap_or(0) {
            if self.client.enter_frame(index as u16).await.is_err() {
                continue;
            }
            let view = timeout(
                Duration::from_secs(10),
                self.client.execute(&format!("return {};", crate::frames::VIEW), vec![]),
            )
            .await
            .ok()
            .and_then(Result::ok);
            let _ = self.client.enter_parent_frame().await;
            // A frame whose script cannot run is left out: the waits and controls that need it fail.
            if let Some(json) = view.as_ref().and_then(Value::as_str) {
                views.push(crate::frames::parse_view(json));
            }
        }
        views
    }

    async fn pointer(&self, tab: &WindowHandle, steps: Vec<PointerAction>) {
        self.try_pointer(tab, steps).await.expect("pointer actions");
    }

    /// Pointer actions in a tab, or why they did not complete (the tab closed under them, say).
    async fn try_pointer(&self, tab: &WindowHandle, steps: Vec<PointerAction>) -> Result<(), String> {
        assert!(self.focus(tab).await, "the tab is open");
        let _ = self.client.enter_parent_frame().await;
        let mut mouse = MouseActions::new("mouse".into());
        for step in steps {
            mouse = mouse.then(step);
        }
        let done = timeout(Duration::from_secs(10), self.client.perform_actions(mouse)).await;
        let _ = self.client.release_actions().await;
        done.map_err(|_| "pointer actions timed out".to_owned())?.map_err(|e| e.to_string())
    }

    /// A press and release in a window that may close itself on the press (DoubleClickjacking's
    /// popup does): whether the window survives it is not this call's business.
    pub async fn press_in_closing_window(&self, tab: &WindowHandle, x: f64, y: f64) {
        let steps = vec![
            PointerAction::MoveTo { duration: None, x, y },
            PointerAction::Down { button: MOUSE_BUTTON_LEFT },
            PointerAction::Up { button: MOUSE_BUTTON_LEFT },
        ];
        let _ = self.try_pointer(tab, steps).await;
    }

    pub async fn move_to(&self, tab: &WindowHandle, x: f64, y: f64) {
        let to = PointerAction::MoveTo { duration: Some(Duration::from_millis(40)), x, y };
        self.pointer(tab, vec![to]).await;
    }

    /// Presses and releases the left button at a point, `count` times in quick succession.
    pub async fn click_at(&self, tab: &WindowHandle, x: f64, y: f64, count: usize) {
        let mut steps = vec![PointerAction::MoveTo { duration: None, x, y }];
        for _ in 0..count {
            steps.push(PointerAction::Down { button: MOUSE_BUTTON_LEFT });
            steps.push(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        }
        self.pointer(tab, steps).await;
    }

    /// A tap of one finger at (`x`, `y`): a WebDriver touch pointer, pressed and released.
    pub async fn tap_at(&self, tab: &WindowHandle, x: f64, y: f64) {
        assert!(self.focus(tab).await, "the tab is open");
        let _ = self.client.enter_parent_frame().await;
        let finger = TouchActions::new("finger".into())
            .then(PointerAction::MoveTo { duration: None, x, y })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        let done = timeout(Duration::from_secs(10), self.client.perform_actions(finger)).await;
        let _ = self.client.release_actions().await;
        done.expect("tap in time").expect("tap");
    }

    /// Every open tab and window, with its address.
    pub async fn tabs(&self) -> Vec<(WindowHandle, String)> {
        let current = self.client.window().await.ok();
        let mut tabs = Vec::new();
        for handle in self.client.windows().await.unwrap_or_default() {
            if self.client.switch_to_window(handle.clone()).await.is_ok() {
                let url = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
                tabs.push((handle, url));
            }
        }
        if let Some(current) = current {
            let _ = self.client.switch_to_window(current).await;
        }
        tabs
    }

    /// A PNG of the tab, or why none (Firefox cannot capture a page in the middle of a navigation).
    pub async fn screenshot(&self, tab: &WindowHandle) -> Result<Vec<u8>, String> {
        if !self.focus(tab).await {
            return Err("the tab is gone".to_owned());
        }
        match timeout(Duration::from_secs(10), self.client.screenshot()).await {
            Ok(Ok(png)) => Ok(png),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no screenshot within 10 s".to_owned()),
        }
    }

    /// Ends the WebDriver session (geckodriver quits Firefox); the processes are stopped on drop.
    pub async fn close(self) {
        let _ = timeout(Duration::from_secs(10), self.client.clone().close()).await;
    }
}
