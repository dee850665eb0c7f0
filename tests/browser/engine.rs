//! One interface over the two browser engines the lab is proven in: Chromium (driven through
//! the DevTools protocol, [`crate::chromium`]) and Firefox ESR (through geckodriver and
//! WebDriver, [`crate::firefox`]). Every attack test is written once against [`Session`] and
//! runs in both (see [`in_both_engines!`]).

use std::path::Path;
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::page::EventLoadEventFired;
use chromiumoxide::layout::Point as CdpPoint;
use chromiumoxide::page::Page;
use chromiumoxide::types::ClickOptions;
pub use clickjack_lab::lab::Engine;
use fantoccini::wd::WindowHandle;
use futures_util::StreamExt;
use serde_json::Value;
use tokio::time::timeout;

use crate::chromium::{self, Chromium};
use crate::common::{TestApp, until};
use crate::firefox::Firefox;
use crate::frames::FrameView;
use crate::profile::Profile;

/// How many browsers run at once, of either engine. Two cores: three browsers keep both busy (a
/// browser test mostly waits on the browser), and every wait in the tests is for an event, not a
/// fixed time, so the slower machine only takes longer.
pub const AT_ONCE: usize = 3;
static POOL: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(AT_ONCE);

/// `count` of the [`AT_ONCE`] places, for browsers a test starts in its own way.
pub async fn places(count: u32) -> tokio::sync::SemaphorePermit<'static> {
    POOL.acquire_many(count).await.expect("the browser pool")
}

/// Writes each test body once, and a `#[tokio::test]` per engine for it: `in_chromium::name` and
/// `in_firefox::name`. A test skips (or, under `CI=true`, fails) when its engine is missing.
#[macro_export]
macro_rules! in_both_engines {
    ($($(#[$meta:meta])* async fn $name:ident($engine:ident: Engine) $body:block)*) => {
        $($(#[$meta])* async fn $name($engine: $crate::engine::Engine) $body)*
        $crate::in_engine!(in_chromium, Chromium, $($name)*);
        $crate::in_engine!(in_firefox, Firefox, $($name)*);
    };
}

/// The tests of one engine, for [`in_both_engines!`].
#[macro_export]
macro_rules! in_engine {
    ($module:ident, $engine:ident, $($name:ident)*) => {
        mod $module {
            $(#[tokio::test]
            async fn $name() {
                if $crate::engine::available($crate::engine::Engine::$engine) {
                    super::$name($crate::engine::Engine::$engine).await;
                }
            })*
        }
    };
}

/// Whether `engine` can run here (under `CI=true`, a missing engine is a failure).
pub fn available(engine: Engine) -> bool {
    match engine {
        Engine::Chromium => chromium::available(),
        Engine::Firefox => crate::firefox::available(),
    }
}

/// Whether an engine's tools are here: `ok`, or a skip with how to install `what`. Under
/// `CI=true` a missing engine is a failure, never a skip.
pub fn found(ok: bool, what: &str, install: &str) -> bool {
    if !ok {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(!ci, "CI=true but {what} is missing: {install}");
        eprintln!("SKIPPED: {what} not found ({install})");
    }
    ok
}

/// A point in a page's CSS pixels.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// An open tab or window.
#[derive(Debug, Clone)]
pub enum Tab {
    Chromium(Page),
    Firefox(WindowHandle),
}

enum Driver {
    Chromium(Box<Chromium>),
    Firefox(Box<Firefox>),
}

/// A fresh browser of one engine, with one profile.
pub struct Session {
    pub engine: Engine,
    /// Whether this profile allows third-party cookies (neither engine does by default).
    pub third_party_cookies: bool,
    /// How long a person reads a page of this lab before acting: longer than its gesture guard's delay.
    reading: Duration,
    driver: Driver,
    _turn: tokio::sync::SemaphorePermit<'static>,
}

impl Session {
    /// A browser for `app`'s lab, once one of the [`AT_ONCE`] places is free.
    pub async fn launch(app: &TestApp, engine: Engine, profile: Profile<'_>) -> Self {
        Self::launch_with(app, engine, profile, 1).await
    }

    /// A browser for `app`'s lab that runs alone: for a test whose outcome depends on time (the
    /// gesture guard's delay against DoubleClickjacking's second click), measured with nothing else
    /// taking the machine's cores.
    pub async fn launch_alone(app: &TestApp, engine: Engine, profile: Profile<'_>) -> Self {
        Self::launch_with(app, engine, profile, AT_ONCE as u32).await
    }

    async fn launch_with(app: &TestApp, engine: Engine, profile: Profile<'_>, places: u32) -> Self {
        let turn = self::places(places).await;
        let driver = match engine {
            Engine::Chromium => Driver::Chromium(Box::new(Chromium::launch(profile).await)),
            Engine::Firefox => Driver::Firefox(Box::new(Firefox::launch(profile).await)),
        };
        let delay = u64::from(app.settings.protections.gesture_delay_ms);
        let reading = Duration::from_millis(delay + 200);
        Self { engine, third_party_cookies: profile.third_party_cookies, reading, driver, _turn: turn }
    }

    /// The browser as the lab's predictions know it.
    pub fn lab_browser(&self) -> clickjack_lab::lab::Browser {
        clickjack_lab::lab::Browser { engine: self.engine, third_party_cookies: self.third_party_cookies }
    }

    pub async fn open(&self, url: &str) -> Tab {
        match &self.driver {
            Driver::Chromium(c) => Tab::Chromium(c.open(url).await),
            Driver::Firefox(f) => Tab::Firefox(f.open(url).await),
        }
    }

    /// Evaluates a JavaScript expression in the tab's top document; `None` while the tab is
    /// between documents (or gone).
    pub async fn try_eval(&self, tab: &Tab, js: &str) -> Option<Value> {
        match (&self.driver, tab) {
            (Driver::Chromium(_), Tab::Chromium(page)) => chromium::try_eval(page, js).await,
            (Driver::Firefox(f), Tab::Firefox(handle)) => f.try_eval(handle, js).await,
            _ => unreachable!("a tab of another engine"),
        }
    }

    pub async fn eval(&self, tab: &Tab, js: &str) -> Value {
        self.try_eval(tab, js).await.unwrap_or_else(|| panic!("evaluate {js}"))
    }

    /// The centre of an element, as a person would aim at it.
    pub async fn centre_of(&self, tab: &Tab, selector: &str) -> Point {
        let js = format!(
            "(() => {{ const r = document.querySelector({selector:?}).getBoundingClientRect(); \
             return [r.left + r.width / 2, r.top + r.height / 2]; }})()"
        );
        let v = self.eval(tab, &js).await;
        Point { x: v[0].as_f64().expect("x"), y: v[1].as_f64().expect("y") }
    }

    /// A moment of reading: longer than the gesture guard's delay.
    pub async fn read(&self) {
        tokio::time::sleep(self.reading).await;
    }

    /// Moves the pointer towards `point`, in a few steps.
    pub async fn point_at(&self, tab: &Tab, point: Point) {
        for offset in [60.0, 30.0, 10.0] {
            let near = Point { x: point.x - offset, y: point.y - offset / 2.0 };
            match (&self.driver, tab) {
                (Driver::Chromium(_), Tab::Chromium(page)) => {
                    let to = CdpPoint { x: near.x, y: near.y };
                    timeout(Duration::from_secs(10), page.move_mouse(to))
                        .await
                        .expect("move in time")
                        .expect("move");
                }
                (Driver::Firefox(f), Tab::Firefox(handle)) => f.move_to(handle, near.x, near.y).await,
                _ => unreachable!("a tab of another engine"),
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    /// What a person does before clicking: reads, then moves the pointer towards `point`.
    pub async fn read_then_point(&self, tab: &Tab, point: Point) {
        self.read().await;
        self.point_at(tab, point).await;
    }

    /// A real mouse press and release at `point`.
    pub async fn click_at(&self, tab: &Tab, point: Point) {
        match (&self.driver, tab) {
            (Driver::Chromium(_), Tab::Chromium(page)) => {
                chromium::click_at(page, CdpPoint { x: point.x, y: point.y }).await
            }
            (Driver::Firefox(f), Tab::Firefox(handle)) => f.click_at(handle, point.x, point.y, 1).await,
            _ => unreachable!("a tab of another engine"),
        }
    }

    /// A tap of a finger at `point`, as on a touch screen: no pointer moves or hovers before it.
    pub async fn tap_at(&self, tab: &Tab, point: Point) {
        match (&self.driver, tab) {
            (Driver::Chromium(_), Tab::Chromium(page)) => {
                chromium::tap_at(page, CdpPoint { x: point.x, y: point.y }).await
            }
            (Driver::Firefox(f), Tab::Firefox(handle)) => f.tap_at(handle, point.x, point.y).await,
            _ => unreachable!("a tab of another engine"),
        }
    }

    /// DoubleClickjacking's trap: the first half of a double-click at `spot` in `popup` (which
    /// navigates `opener` to the bank and closes itself), then the second half at the same spot
    /// of `opener`, as soon as the bank's page has loaded there.
    pub async fn double_click_through(&self, popup: &Tab, opener: &Tab, spot: Point, bank: &str) {
        match (&self.driver, popup, opener) {
            (Driver::Chromium(_), Tab::Chromium(popup), Tab::Chromium(page)) => {
                let mut loads = page.event_listener::<EventLoadEventFired>().await.expect("load events");
                let at = CdpPoint { x: spot.x, y: spot.y };
                // The popup closes itself right after the press: its release may never be acknowledged.
                let _ = timeout(Duration::from_millis(300), popup.click(at)).await;
                timeout(Duration::from_secs(10), loads.next())
                    .await
                    .expect("the popup navigated the window underneath")
                    .expect("a load event");
                let second = ClickOptions::builder().click_count(2).build();
                timeout(Duration::from_secs(5), page.click_with(at, second))
                    .await
                    .expect("second click in time")
                    .expect("second click");
            }
            (Driver::Firefox(f), Tab::Firefox(popup), Tab::Firefox(opener)) => {
                let _ = timeout(Duration::from_millis(300), f.press_in_closing_window(popup, spot.x, spot.y))
                    .await;
                let loaded =
                    format!("location.href.startsWith({bank:?}) && document.readyState === 'complete'");
                until("the popup to navigate the window underneath", Duration::from_secs(10), async || {
                    f.try_eval(opener, &loaded).await == Some(Value::Bool(true))
                })
                .await;
                f.click_at(opener, spot.x, spot.y, 1).await;
            }
            _ => unreachable!("a tab of another engine"),
        }
    }

    /// What every iframe of `tab` rendered.
    pub async fn iframes(&self, tab: &Tab) -> Vec<FrameView> {
        match (&self.driver, tab) {
            (Driver::Chromium(c), Tab::Chromium(page)) => c.iframes(page).await,
            (Driver::Firefox(f), Tab::Firefox(handle)) => f.iframes(handle).await,
            _ => unreachable!("a tab of another engine"),
        }
    }

    /// Every open tab and popup, with its address.
    pub async fn tabs(&self) -> Vec<(Tab, String)> {
        match &self.driver {
            Driver::Chromium(c) => {
                let mut tabs = Vec::new();
                for page in c.pages().await {
                    let url = page.url().await.ok().flatten().unwrap_or_default();
                    tabs.push((Tab::Chromium(page), url));
                }
                tabs
            }
            Driver::Firefox(f) => f.tabs().await.into_iter().map(|(h, url)| (Tab::Firefox(h), url)).collect(),
        }
    }

    /// Evaluates `js` in the tab whose address contains `url_part` (a fresh look: it works on a
    /// tab that has just navigated to another site).
    pub async fn eval_in_tab_at(&self, url_part: &str, js: &str) -> Option<Value> {
        match &self.driver {
            Driver::Chromium(c) => crate::frames::evaluate_in_targets(c.websocket(), "page", js)
                .await
                .into_iter()
                .find(|(url, _)| url.contains(url_part))
                .map(|(_, value)| value),
            Driver::Firefox(f) => {
                let tab = f.tabs().await.into_iter().find(|(_, url)| url.contains(url_part))?.0;
                f.try_eval(&tab, js).await
            }
        }
    }

    /// The tab's viewport as the screen shows it (a PNG), composited frames included.
    pub async fn png(&self, tab: &Tab) -> Vec<u8> {
        let taken = match (&self.driver, tab) {
            (Driver::Chromium(_), Tab::Chromium(page)) => chromium::png(page).await,
            (Driver::Firefox(f), Tab::Firefox(handle)) => f.screenshot(handle).await,
            _ => unreachable!("a tab of another engine"),
        };
        taken.unwrap_or_else(|e| panic!("no screenshot of the tab: {e}"))
    }

    /// Saves a picture of the top of the tab, where the attack happens: for the docs (where a
    /// picture that cannot be taken fails the run) and for a person reading a failure. A page in
    /// the middle of a navigation cannot be captured: it is tried again for a few seconds.
    pub async fn screenshot(&self, tab: &Tab, path: &Path) {
        let mut last_error = String::new();
        let start = tokio::time::Instant::now();
        let picture = loop {
            let taken = match (&self.driver, tab) {
                (Driver::Chromium(_), Tab::Chromium(page)) => chromium::screenshot(page).await,
                (Driver::Firefox(f), Tab::Firefox(handle)) => f.screenshot(handle).await,
                _ => unreachable!("a tab of another engine"),
            };
            match taken {
                Ok(picture) => break Some(picture),
                Err(e) if start.elapsed() < Duration::from_secs(5) => {
                    last_error = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => {
                    last_error = e;
                    break None;
                }
            }
        };
        match picture {
            Some(picture) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).unwrap();
                }
                std::fs::write(path, picture).unwrap();
            }
            None if crate::attack::documenting() => {
                panic!("no screenshot for {}: {last_error}", path.display())
            }
            None => eprintln!("no screenshot for {}: {last_error}", path.display()),
        }
    }

    /// The end of an attack: a picture of `tab` as the victim left it, then the browser closed.
    /// Returns the browser as the lab's predictions know it.
    pub async fn finish(self, tab: &Tab, shot: &Path) -> clickjack_lab::lab::Browser {
        self.screenshot(tab, shot).await;
        let browser = self.lab_browser();
        self.close().await;
        browser
    }

    pub async fn close(self) {
        match self.driver {
            Driver::Chromium(c) => c.close().await,
            Driver::Firefox(f) => f.close().await,
        }
    }
}
