//! A small synchronous driver for a headless browser, which the lab uses to play a victim: it
//! opens pages, reads them, and moves and presses the mouse as a person does. Chromium speaks
//! the DevTools protocol over a pipe ([`super::chromium`]), Firefox WebDriver BiDi on a loopback
//! port ([`super::firefox`]). The browser runs in a process group of its own, killed whole when
//! the driver closes or drops, so no process outlives it; its output goes to `browser.log` in the
//! profile folder.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::chromium::{self, Cdp};
use super::firefox::{self, Bidi};
pub use super::terms::DriverError;
pub use super::terms::{Pointer, Window, WindowId};
use crate::browser::launch;
use crate::lab::Engine;

/// How long the browser may take to start and answer.
pub const START: Duration = Duration::from_secs(30);
/// How long one command may take (a script, a mouse event, a picture).
const COMMAND: Duration = Duration::from_secs(10);
/// How long a page may take to load.
const NAVIGATE: Duration = Duration::from_secs(30);
/// The browser's output, in the profile folder.
pub const LOG: &str = "browser.log";

/// What to start.
pub struct Launch<'a> {
    pub engine: Engine,
    pub binary: &'a Path,
    /// A profile folder built by [`crate::browser::profile::build`] (the caller owns and removes it).
    pub profile: &'a Path,
    /// The whole User-Agent every window of this browser sends: the lab tags a run's requests with it.
    pub user_agent: &'a str,
    /// The viewport, in CSS pixels.
    pub width: u32,
    pub height: u32,
}

enum Protocol {
    Chromium(Cdp),
    Firefox(Bidi),
}

/// A running browser and the connection that drives it.
pub struct Driver {
    protocol: Protocol,
    deadline: Instant,
    // Dropped after the connection: the browser is killed once nothing talks to it.
    process: Process,
}

impl Driver {
    /// Starts the browser (within [`START`]); every call after it answers is bounded by `limit`
    /// from then on (and each by its own short timeout). A slow start, as on a busy machine, takes
    /// nothing from the time the page gets.
    pub fn start(launch: &Launch<'_>, limit: Duration) -> Result<Driver, DriverError> {
        let binary = launch.binary.display();
        let cannot = |what: &str, e: std::io::Error| DriverError::Start(format!("{binary}: {what}: {e}"));
        let mut command = launch::command(launch.engine, launch.binary, launch.profile, "about:blank", true);
        let log_path = launch.profile.join(LOG);
        let log = File::create(&log_path).map_err(|e| cannot("cannot write its log", e))?;
        let out = log.try_clone().map_err(|e| cannot("cannot write its log", e))?;
        command.stdin(Stdio::null()).stdout(out).stderr(log).process_group(0);
        // Should the lab itself die (kill -9 included), the kernel kills the browser: no victim
        // outlives the lab. It is tied to the thread that starts the browser, which is the one
        // that runs the whole delivery and kills the browser at its end anyway.
        #[cfg(target_os = "linux")]
        // SAFETY: prctl is async-signal-safe, and the closure touches nothing else.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let pipes = match launch.engine {
            Engine::Chromium => {
                let (width, height) = (launch.width, launch.height);
                Some(chromium::prepare(&mut command, launch.user_agent, width, height))
                    .transpose()
                    .map_err(|e| cannot("cannot make its pipes", e))?
            }
            Engine::Firefox => {
                firefox::prepare(&mut command, launch.profile, launch.user_agent)
                    .map_err(|e| cannot("cannot write its preferences", e))?;
                None
            }
        };
        let child = command.spawn().map_err(|e| cannot("cannot run it", e))?;
        let mut process = Process { child };
        let until = Instant::now() + START;
        let connected = match pipes {
            Some(pipes) => Cdp::connect(pipes, (launch.width, launch.height), until).map(Protocol::Chromium),
            None => {
                let size = (launch.width, launch.height);
                Bidi::connect(&log_path, &mut process.child, size, until).map(Protocol::Firefox)
            }
        };
        let protocol = connected.map_err(|e| match e {
            DriverError::Start(e) => DriverError::Start(format!("{binary}: {e}")),
            e => DriverError::Start(format!("{binary}: {e}{}", log_tail(&log_path))),
        })?;
        Ok(Driver { protocol, deadline: Instant::now() + limit, process })
    }

    /// The top-level windows (tabs/popups) open now, oldest first. The first is the one the browser started with.
    pub fn windows(&mut self) -> Result<Vec<Window>, DriverError> {
        let until = self.until(COMMAND)?;
        match &mut self.protocol {
            Protocol::Chromium(cdp) => cdp.windows(until),
            Protocol::Firefox(bidi) => bidi.windows(until),
        }
    }

    /// Navigates `window` and returns once its load event fired (or errors/times out).
    pub fn navigate(&mut self, window: &WindowId, url: &str) -> Result<(), DriverError> {
        let until = self.until(NAVIGATE)?;
        match &mut self.protocol {
            Protocol::Chromium(cdp) => cdp.navigate(window, url, until),
            Protocol::Firefox(bidi) => bidi.navigate(window, url, until),
        }
    }

    /// Waits until the window's document is complete (readyState) or `until` passes: Ok(false) then.
    pub fn wait_loaded(&mut self, window: &WindowId, until: Instant) -> Result<bool, DriverError> {
        let until = until.min(self.deadline);
        loop {
            let each = until.min(Instant::now() + COMMAND);
            match self.evaluate_until(window, "document.readyState", each) {
                Ok(state) if state == "complete" => return Ok(true),
                Err(e @ (DriverError::WindowGone(_) | DriverError::Crashed(_))) => return Err(e),
                // Between two documents a script cannot run: the next try will.
                _ => {}
            }
            let pause = Duration::from_millis(50);
            if Instant::now() + pause >= until {
                return Ok(false);
            }
            std::thread::sleep(pause);
        }
    }

    /// Evaluates a JS expression in the window's top-level document (promises awaited), returns its JSON value.
    pub fn evaluate(&mut self, window: &WindowId, expression: &str) -> Result<Value, DriverError> {
        let until = self.until(COMMAND)?;
        self.evaluate_until(window, expression, until)
    }

    fn evaluate_until(
        &mut self,
        window: &WindowId,
        expression: &str,
        until: Instant,
    ) -> Result<Value, DriverError> {
        match &mut self.protocol {
            Protocol::Chromium(cdp) => cdp.evaluate(window, expression, until),
            Protocol::Firefox(bidi) => bidi.evaluate(window, expression, until),
        }
    }

    /// One pointer action in viewport CSS pixels, as a real mouse sends it. A press on a window
    /// that closes itself during the press returns at once (Ok or WindowGone).
    pub fn pointer(&mut self, window: &WindowId, action: Pointer) -> Result<(), DriverError> {
        let until = self.until(COMMAND)?;
        match &mut self.protocol {
            Protocol::Chromium(cdp) => cdp.pointer(window, action, until),
            Protocol::Firefox(bidi) => bidi.pointer(window, action, until),
        }
    }

    /// A PNG of the window's viewport.
    pub fn screenshot(&mut self, window: &WindowId) -> Result<Vec<u8>, DriverError> {
        let until = self.until(COMMAND)?;
        match &mut self.protocol {
            Protocol::Chromium(cdp) => cdp.screenshot(window, until),
            Protocol::Firefox(bidi) => bidi.screenshot(window, until),
        }
    }

    /// The browser's main process id (its process group's too).
    pub fn pid(&self) -> u32 {
        self.process.child.id()
    }

    /// Kills the browser (its whole process group) and waits for it. Drop does the same if not called.
    pub fn close(self) {
        drop(self);
    }

    /// The end of a call that may take `limit`: sooner if the run's deadline comes first.
    fn until(&self, limit: Duration) -> Result<Instant, DriverError> {
        let now = Instant::now();
        if now >= self.deadline {
            return Err(DriverError::TimedOut("the run's deadline".into()));
        }
        Ok(self.deadline.min(now + limit))
    }
}

/// The browser's process group: killed whole (the browser and every helper it started) and
/// waited for when dropped.
struct Process {
    child: Child,
}

impl Drop for Process {
    fn drop(&mut self) {
        let child = &mut self.child;
        if let Ok(group) = i32::try_from(child.id()) {
            // SAFETY: a signal to the group the browser leads (process_group(0) at spawn); the
            // leader is not reaped before this, so the id cannot be another's.
            unsafe { libc::kill(-group, libc::SIGKILL) };
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// The last lines of the browser's log, for a start that failed.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(5)..].join("\n");
    if tail.is_empty() { String::new() } else { format!(" (its log, {}:\n{tail})", path.display()) }
}
