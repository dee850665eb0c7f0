//! Chromium driven through the DevTools protocol over its pipe ([`super::pipe`]). Every window is
//! reached through a flattened session of its own (`sessionId` on the messages), attached on first
//! use, so popups are driven like the first tab. The viewport is set on each session: a headless
//! window's size counts a frame the page does not get.

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

use super::pipe::{self, Channel, Pipes};
use super::terms::{DriverError, Pointer, Window, WindowId, base64_decode, remote_value_to_json};

/// Adds a driven Chromium's flags to `command`, and the pipes it is driven through.
pub fn prepare(command: &mut Command, user_agent: &str, width: u32, height: u32) -> std::io::Result<Pipes> {
    command
        .arg("--remote-debugging-pipe")
        .arg(format!("--user-agent={user_agent}"))
        .arg(format!("--window-size={width},{height}"));
    pipe::open(command)
}

/// A DevTools connection to a started Chromium.
pub struct Cdp {
    channel: Channel,
    next_id: u64,
    /// The page targets open, in the order they appeared, with their last known address.
    windows: Vec<Window>,
    /// Each attached window's session.
    sessions: HashMap<WindowId, String>,
    /// Windows that closed, and sessions that ended: a command on them is never answered.
    gone: HashSet<String>,
    /// Sessions whose page fired its load event since the last navigation began.
    loaded: HashSet<String>,
    pressed: bool,
    /// The viewport every window gets.
    size: (u32, u32),
}

impl Cdp {
    /// Talks to the browser just started with `pipes`, once it answers.
    pub fn connect(pipes: Pipes, size: (u32, u32), until: Instant) -> Result<Self, DriverError> {
        let channel = Channel::start(pipes)?;
        let mut cdp = Self {
            channel,
            next_id: 0,
            windows: Vec::new(),
            sessions: HashMap::new(),
            gone: HashSet::new(),
            loaded: HashSet::new(),
            pressed: false,
            size,
        };
        cdp.call(None, "Target.setDiscoverTargets", json!({ "discover": true }), until)?;
        Ok(cdp)
    }

    /// The page targets open now, oldest first.
    pub fn windows(&mut self, until: Instant) -> Result<Vec<Window>, DriverError> {
        let targets = self.call(None, "Target.getTargets", json!({}), until)?;
        let pages: Vec<Window> =
            targets["targetInfos"].as_array().into_iter().flatten().filter_map(page).collect();
        self.windows.retain(|known| pages.iter().any(|page| page.id == known.id));
        for page in pages {
            match self.windows.iter_mut().find(|known| known.id == page.id) {
                Some(known) => known.url = page.url,
                None => self.windows.push(page),
            }
        }
        Ok(self.windows.clone())
    }

    /// Navigates `window` and waits for the new document's load event.
    pub fn navigate(&mut self, window: &WindowId, url: &str, until: Instant) -> Result<(), DriverError> {
        let session = self.session(window, until)?;
        let on = Some((window.as_str(), session.as_str()));
        let answer = self.call(on, "Page.navigate", json!({ "url": url }), until)?;
        if let Some(error) = answer["errorText"].as_str().filter(|e| !e.is_empty()) {
            return Err(DriverError::Protocol(format!("navigating to {url}: {error}")));
        }
        if answer.get("loaderId").is_none() {
            return Ok(()); // the same document (a fragment): no load follows
        }
        // Answered at commit, so any load event from here on is the new document's.
        self.loaded.remove(&session);
        while !self.loaded.contains(&session) {
            self.check(window, &session)?;
            let message = self.channel.receive(until, &format!("{url} to load"))?;
            self.note(&message);
        }
        Ok(())
    }

    pub fn evaluate(
        &mut self,
        window: &WindowId,
        expression: &str,
        until: Instant,
    ) -> Result<Value, DriverError> {
        let session = self.session(window, until)?;
        let params = json!({
            "expression": expression,
            "awaitPromise": true,
            "serializationOptions": { "serialization": "deep" },
        });
        let answer = self.call(Some((window, &session)), "Runtime.evaluate", params, until)?;
        if let Some(exception) = answer.get("exceptionDetails") {
            let text = exception["exception"]["description"].as_str().or(exception["text"].as_str());
            return Err(DriverError::Protocol(format!("{expression}: {}", text.unwrap_or("an exception"))));
        }
        let result = &answer["result"];
        Ok(match result.get("deepSerializedValue") {
            Some(deep) => remote_value_to_json(deep),
            None => result.get("value").cloned().unwrap_or(Value::Null),
        })
    }

    pub fn pointer(&mut self, window: &WindowId, action: Pointer, until: Instant) -> Result<(), DriverError> {
        let session = self.session(window, until)?;
        let (kind, x, y, count) = match action {
            Pointer::Move { x, y } => ("mouseMoved", x, y, 0),
            Pointer::Down { x, y, count } => ("mousePressed", x, y, count),
            Pointer::Up { x, y, count } => ("mouseReleased", x, y, count),
        };
        let pressed = match action {
            Pointer::Move { .. } => self.pressed,
            Pointer::Down { .. } => true,
            Pointer::Up { .. } => false,
        };
        let button = if matches!(action, Pointer::Move { .. }) && !pressed { "none" } else { "left" };
        let params = json!({
            "type": kind, "x": x, "y": y, "button": button,
            "buttons": i32::from(pressed), "clickCount": count,
        });
        self.pressed = pressed;
        self.call(Some((window, &session)), "Input.dispatchMouseEvent", params, until).map(drop)
    }

    pub fn screenshot(&mut self, window: &WindowId, until: Instant) -> Result<Vec<u8>, DriverError> {
        let session = self.session(window, until)?;
        let answer =
            self.call(Some((window, &session)), "Page.captureScreenshot", json!({ "format": "png" }), until)?;
        let data = answer["data"].as_str().unwrap_or_default();
        base64_decode(data).ok_or_else(|| DriverError::Protocol("a screenshot that is not base64".into()))
    }

    /// The window's session, attached (and its page events enabled) on first use.
    fn session(&mut self, window: &WindowId, until: Instant) -> Result<String, DriverError> {
        if let Some(session) = self.sessions.get(window) {
            return Ok(session.clone());
        }
        if self.gone.contains(window) {
            return Err(DriverError::WindowGone(window.clone()));
        }
        let params = json!({ "targetId": window, "flatten": true });
        let attached = self.call(None, "Target.attachToTarget", params, until).map_err(|e| match e {
            DriverError::Protocol(_) => DriverError::WindowGone(window.clone()),
            other => other,
        })?;
        let Some(session) = attached["sessionId"].as_str().map(str::to_owned) else {
            return Err(DriverError::Protocol(format!("attaching to {window}: no session")));
        };
        self.sessions.insert(window.clone(), session.clone());
        let on = Some((window.as_str(), session.as_str()));
        self.call(on, "Page.enable", json!({}), until)?;
        let (width, height) = self.size;
        let metrics = json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false });
        self.call(on, "Emulation.setDeviceMetricsOverride", metrics, until)?;
        Ok(session)
    }

    /// Sends a command (to a window's session if `on`) and waits for its answer; a window that
    /// closes meanwhile ends the wait at once.
    fn call(
        &mut self,
        on: Option<(&str, &str)>,
        method: &str,
        params: Value,
        until: Instant,
    ) -> Result<Value, DriverError> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some((_, session)) = on {
            message["sessionId"] = json!(session);
        }
        self.channel.send(&message)?;
        loop {
            if let Some((window, session)) = on {
                self.check(window, session)?;
            }
            let message = self.channel.receive(until, method)?;
            if message["id"].as_u64() != Some(id) {
                self.note(&message);
                continue;
            }
            if let Some(error) = message.get("error") {
                let text = error["message"].as_str().unwrap_or("an error");
                return Err(DriverError::Protocol(format!("{method}: {text}")));
            }
            return Ok(message["result"].clone());
        }
    }

    fn check(&self, window: &str, session: &str) -> Result<(), DriverError> {
        if self.gone.contains(window) || self.gone.contains(session) {
            return Err(DriverError::WindowGone(window.to_owned()));
        }
        Ok(())
    }

    /// What an event changes; events of no interest (and odd messages) change nothing.
    fn note(&mut self, message: &Value) {
        let params = &message["params"];
        match message["method"].as_str().unwrap_or_default() {
            "Target.targetCreated" | "Target.targetInfoChanged" => {
                let Some(page) = page(&params["targetInfo"]) else { return };
                match self.windows.iter_mut().find(|known| known.id == page.id) {
                    Some(known) => known.url = page.url,
                    None if !self.gone.contains(&page.id) => self.windows.push(page),
                    None => {}
                }
            }
            "Target.targetDestroyed" | "Target.detachedFromTarget" => {
                let target = params["targetId"].as_str().unwrap_or_default();
                let session = params["sessionId"].as_str().map(str::to_owned);
                let session = session.or_else(|| self.sessions.get(target).cloned());
                if message["method"] == "Target.targetDestroyed" {
                    self.windows.retain(|known| known.id != target);
                    self.gone.insert(target.to_owned());
                }
                self.sessions.retain(|_, s| Some(&*s) != session.as_ref());
                self.gone.extend(session);
            }
            "Page.loadEventFired" => self.loaded.extend(message["sessionId"].as_str().map(str::to_owned)),
            // A dialog would stop the page: it is dismissed, as Firefox's BiDi session does by default.
            // (Answered with id 0, which no call waits for.)
            "Page.javascriptDialogOpening" => {
                let reply = json!({ "id": 0, "method": "Page.handleJavaScriptDialog",
                    "params": { "accept": false }, "sessionId": message["sessionId"] });
                let _ = self.channel.send(&reply);
            }
            _ => {}
        }
    }
}

/// A target that is a top-level page, as a window.
fn page(info: &Value) -> Option<Window> {
    let id = info["targetId"].as_str().filter(|_| info["type"] == "page")?;
    Some(Window { id: id.to_owned(), url: info["url"].as_str().unwrap_or_default().to_owned() })
}
