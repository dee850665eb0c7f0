//! The victim as a person. It looks at the page it was sent to (the top document only: it never
//! reads a frame's page to aim), finds the element whose text the challenge names, moves the
//! pointer there in steps, waits a moment and presses, as a hand on a mouse would. Each moment
//! that matters is photographed, once more with every frame made visible.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::challenges::Behaviour;
use super::report::{Click, Point, Report, Shot};
use super::sight::{FIND, REVEAL, UNREVEAL};
use crate::victim::driver::{Driver, DriverError, Pointer, WindowId};

/// What the victim found to click.
#[derive(Debug, Clone, Deserialize)]
pub struct Target {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

/// How the person's part ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acted {
    /// Every press the challenge asks for was made.
    Clicked,
    /// Nothing on screen carried the text looked for.
    NothingToClick { looked_for: &'static str, after_clicks: usize },
}

pub struct Person<'a> {
    pub driver: &'a mut Driver,
    pub report: &'a mut Report,
    /// Where screenshots go.
    pub dir: &'a Path,
    pub started: Instant,
    /// How long she reads a page before she acts: longer than the gesture guard's delay.
    pub reading: Duration,
    pub pointer: Point,
}

impl Person<'_> {
    fn ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn step(&mut self, text: String) {
        let line = format!("{:>6.1} s  {text}", self.ms() as f64 / 1000.0);
        self.report.steps.push(line);
    }

    /// Behaves as `behaviour` says on `window` (loaded already).
    pub fn act(&mut self, window: &WindowId, behaviour: Behaviour) -> Result<Acted, DriverError> {
        self.step(format!("reads the page for {:.1} s", self.reading.as_secs_f64()));
        std::thread::sleep(self.reading);
        let mut window = window.clone();
        for (i, (want, presses)) in behaviour.targets().iter().enumerate() {
            if i > 0 {
                self.step(format!("reads what changed for {:.1} s", self.reading.as_secs_f64()));
                std::thread::sleep(self.reading);
            }
            let Some(target) = self.find(&window, want)? else {
                self.step(format!("looks for \u{201c}{want}\u{201d} and finds nothing visible to click"));
                self.shot(&window, format!("Nothing visible contains \u{201c}{want}\u{201d}"), false)?;
                return Ok(Acted::NothingToClick {
                    looked_for: want,
                    after_clicks: self.report.clicks.len(),
                });
            };
            self.step(format!(
                "sees \u{201c}{}\u{201d} at ({}, {}) and moves there",
                target.text, target.x, target.y
            ));
            self.move_to(&window, Point { x: target.x, y: target.y })?;
            std::thread::sleep(Duration::from_millis(250));
            let aimed = self.report.shots.len();
            self.shot(&window, format!("Her click on \u{201c}{}\u{201d}", target.text), false)?;
            self.shot(&window, "The same moment, every frame made visible".to_owned(), true)?;
            let mut href = String::new();
            if *presses == 2 {
                let watch = "window.__labLeaving = false; \
                             addEventListener('beforeunload', function () { window.__labLeaving = true; }); location.href";
                href = self.driver.evaluate(&window, watch)?.as_str().unwrap_or_default().to_owned();
            }
            self.press(&window, &target, 1)?;
            // The pictures of the moment she pressed show where she pressed.
            let clicks = self.report.clicks.len();
            self.report.shots[aimed..].iter_mut().for_each(|shot| shot.clicks_before = clicks);
            if *presses == 2 {
                window = self.second_press(&window, &target, &href)?;
            }
        }
        Ok(Acted::Clicked)
    }

    /// The second press of a double-click: a moment after the first, on whatever window is in
    /// front then. If the first press sent a window elsewhere, she presses as soon as the new page
    /// has loaded (a slow double-click: at most a second after the first press).
    fn second_press(
        &mut self,
        first: &WindowId,
        target: &Target,
        href: &str,
    ) -> Result<WindowId, DriverError> {
        let pressed = Instant::now();
        // A person's double-click: the second press within the double-click interval, unless the
        // page under the pointer is visibly changing by then.
        let interval = pressed + Duration::from_millis(400);
        let gone = format!(
            "window.__labLeaving === true || location.href !== {}",
            serde_json::Value::String(href.to_owned())
        );
        let mut front = first.clone();
        let mut moved_on = false;
        while Instant::now() < interval && !moved_on {
            std::thread::sleep(Duration::from_millis(25));
            front = self.driver.windows()?.pop().map(|w| w.id).unwrap_or_else(|| first.clone());
            moved_on = &front != first
                || self.driver.evaluate(first, &gone).map_or(true, |v| v.as_bool() != Some(false));
        }
        if &front != first {
            self.step("a new window is in front now: her second press goes there".to_owned());
        }
        if moved_on {
            let until = pressed + Duration::from_secs(1);
            let fresh = format!(
                "window.__labLeaving === undefined && location.href !== {} && document.readyState === 'complete'",
                serde_json::Value::String(href.to_owned())
            );
            let fresh = if &front != first { "document.readyState === 'complete'".to_owned() } else { fresh };
            let mut loaded = false;
            while Instant::now() < until {
                if self.driver.evaluate(&front, &fresh).ok().and_then(|v| v.as_bool()) == Some(true) {
                    loaded = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            let took = pressed.elapsed().as_millis();
            self.step(if loaded {
                format!("the page under her pointer changed; the new one was ready {took} ms after her first press")
            } else {
                "the page under her pointer was still loading a second after her first press".to_owned()
            });
        }
        self.press(&front, target, 2)?;
        Ok(front)
    }

    fn find(&mut self, window: &WindowId, want: &str) -> Result<Option<Target>, DriverError> {
        let expression = format!("{FIND}({})", serde_json::Value::String(want.to_owned()));
        let found = self.driver.evaluate(window, &expression)?;
        Ok(serde_json::from_value(found).ok())
    }

    /// A person's pointer: a dozen moves along a slight curve, about half a second in all.
    fn move_to(&mut self, window: &WindowId, to: Point) -> Result<(), DriverError> {
        let from = self.pointer;
        const STEPS: u32 = 12;
        for i in 1..=STEPS {
            let t = f64::from(i) / f64::from(STEPS);
            let ease = t * t * (3.0 - 2.0 * t);
            let bow = (t * std::f64::consts::PI).sin() * 20.0;
            let at = Point {
                x: (from.x + (to.x - from.x) * ease + bow).round(),
                y: (from.y + (to.y - from.y) * ease).round(),
            };
            let at = if i == STEPS { to } else { at };
            self.driver.pointer(window, Pointer::Move { x: at.x, y: at.y })?;
            self.report.path.push(at);
            std::thread::sleep(Duration::from_millis(35));
        }
        self.pointer = to;
        Ok(())
    }

    fn press(&mut self, window: &WindowId, target: &Target, count: u32) -> Result<(), DriverError> {
        let (x, y) = (target.x, target.y);
        let click = Click { x, y, count, aimed_at: target.text.clone(), at_ms: self.ms() };
        self.report.clicks.push(click);
        self.step(format!("presses{} at ({x}, {y})", if count == 2 { " again (double-click)" } else { "" }));
        // A window that closes itself as it is pressed (a popup) is not an error of the victim's.
        match self.driver.pointer(window, Pointer::Down { x, y, count }) {
            Err(DriverError::WindowGone(_)) => return Ok(()),
            other => other?,
        }
        std::thread::sleep(Duration::from_millis(60));
        match self.driver.pointer(window, Pointer::Up { x, y, count }) {
            Err(DriverError::WindowGone(_)) => Ok(()),
            // The press sent the page away (a navigation on mousedown): the release meets no page.
            Err(DriverError::Protocol(why)) => {
                self.step(format!(
                    "her release reached no page: the page under her pointer was going ({why})"
                ));
                Ok(())
            }
            other => other,
        }
    }

    /// A picture the browser cannot take now (a page on its way out) is a gap in the replay, not
    /// the victim's failure; a browser that is gone or stuck is.
    fn gap(&mut self, caption: &str, e: DriverError) -> Result<(), DriverError> {
        match e {
            DriverError::Protocol(why) => {
                self.step(format!("(no screenshot of “{caption}”: the browser said {why})"));
                Ok(())
            }
            other => Err(other),
        }
    }

    /// A PNG of `window`, tried again a few times: a page that is still painting may not be captured.
    fn picture(&mut self, window: &WindowId) -> Result<Vec<u8>, DriverError> {
        let mut tries = 0;
        loop {
            match self.driver.screenshot(window) {
                Err(DriverError::Protocol(_)) if tries < 3 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(200));
                }
                other => return other,
            }
        }
    }

    /// A screenshot of `window` (with every frame made visible: `revealed`), in the report.
    pub fn shot(&mut self, window: &WindowId, caption: String, revealed: bool) -> Result<(), DriverError> {
        if revealed && let Err(e) = self.driver.evaluate(window, REVEAL) {
            return self.gap(&caption, e);
        }
        let png = self.picture(window);
        if revealed && let Err(e) = self.driver.evaluate(window, UNREVEAL) {
            return self.gap(&caption, e);
        }
        let png = match png {
            Ok(png) => png,
            Err(e) => return self.gap(&caption, e),
        };
        let file = format!("{}.png", self.report.shots.len() + 1);
        std::fs::write(self.dir.join(&file), png)
            .map_err(|e| DriverError::Protocol(format!("cannot keep the screenshot {file}: {e}")))?;
        let shot = Shot {
            file,
            caption,
            revealed,
            at_ms: self.ms(),
            clicks_before: self.report.clicks.len(),
            path_before: self.report.path.len(),
        };
        self.report.shots.push(shot);
        Ok(())
    }
}
