//! Firefox driven through WebDriver BiDi, without geckodriver: started with
//! `--remote-debugging-port 0`, it says on stderr (the profile's browser log) which loopback port
//! it chose, and the driver opens a session on `ws://127.0.0.1:PORT/session`. Windows are
//! top-level browsing contexts, learnt from `browsingContext.getTree` and its events.

use std::collections::HashSet;
use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use crate::browser::profile::firefox_driven_user_js;

use super::terms::{DriverError, Pointer, Window, WindowId, base64_decode, remote_value_to_json};

/// What Firefox writes once its BiDi server listens.
const LISTENING: &str = "WebDriver BiDi listening on ws://";

/// Adds a driven Firefox's flags to `command`, and to the profile's prefs `user_agent` and what a
/// driven Firefox needs for its clicks to reach framed pages ([`firefox_driven_user_js`]).
pub fn prepare(command: &mut Command, profile: &Path, user_agent: &str) -> std::io::Result<()> {
    let agent = format!("user_pref(\"general.useragent.override\", {});\n", Value::from(user_agent));
    let mut prefs = std::fs::OpenOptions::new().append(true).create(true).open(profile.join("user.js"))?;
    prefs.write_all(agent.as_bytes())?;
    prefs.write_all(firefox_driven_user_js().as_bytes())?;
    command.args(["--remote-debugging-port", "0"]);
    Ok(())
}

/// A BiDi session with a started Firefox.
pub struct Bidi {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// The top-level contexts open, in the order they appeared, with their last known address.
    windows: Vec<Window>,
    gone: HashSet<WindowId>,
    /// Contexts whose viewport is set to the launch's size.
    sized: HashSet<WindowId>,
    size: (u32, u32),
}

impl Bidi {
    /// Waits for the browser started as `child` to listen (it says so in `log`), then opens a session.
    pub fn connect(
        log: &Path,
        child: &mut Child,
        size: (u32, u32),
        until: Instant,
    ) -> Result<Self, DriverError> {
        let port = loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(port) = text.split(LISTENING).nth(1).and_then(listening_port) {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(DriverError::Crashed(format!("Firefox exited ({status}) before listening")));
            }
            if Instant::now() >= until {
                return Err(DriverError::TimedOut("Firefox to listen for WebDriver BiDi".into()));
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let left = until.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&address, left)
            .and_then(|stream| stream.set_read_timeout(Some(left)).map(|()| stream))
            .map_err(|e| DriverError::Crashed(format!("connecting to {address}: {e}")))?;
        let url = format!("ws://127.0.0.1:{port}/session");
        let (socket, _) = tungstenite::client::client(url.as_str(), stream)
            .map_err(|e| DriverError::Crashed(format!("the WebSocket handshake with {url}: {e}")))?;
        let mut bidi = Self {
            socket,
            next_id: 0,
            windows: Vec::new(),
            gone: HashSet::new(),
            sized: HashSet::new(),
            size,
        };
        bidi.call(None, "session.new", json!({ "capabilities": {} }), until)?;
        let events =
            ["browsingContext.contextCreated", "browsingContext.contextDestroyed", "browsingContext.load"];
        bidi.call(None, "session.subscribe", json!({ "events": events }), until)?;
        Ok(bidi)
    }

    /// The top-level contexts open now, oldest first.
    pub fn windows(&mut self, until: Instant) -> Result<Vec<Window>, DriverError> {
        let tree = self.call(None, "browsingContext.getTree", json!({ "maxDepth": 0 }), until)?;
        let tops: Vec<Window> = tree["contexts"].as_array().into_iter().flatten().filter_map(top).collect();
        self.windows.retain(|known| tops.iter().any(|top| top.id == known.id));
        for top in tops {
            match self.windows.iter_mut().find(|known| known.id == top.id) {
                Some(known) => known.url = top.url,
                None => self.windows.push(top),
            }
        }
        Ok(self.windows.clone())
    }

    pub fn navigate(&mut self, window: &WindowId, url: &str, until: Instant) -> Result<(), DriverError> {
        self.size(window, until)?;
        let params = json!({ "context": window, "url": url, "wait": "complete" });
        self.call(Some(window), "browsingContext.navigate", params, until).map(drop)
    }

    pub fn evaluate(
        &mut self,
        window: &WindowId,
        expression: &str,
        until: Instant,
    ) -> Result<Value, DriverError> {
        let params =
            json!({ "expression": expression, "target": { "context": window }, "awaitPromise": true });
        let answer = self.call(Some(window), "script.evaluate", params, until)?;
        if answer["type"] == "exception" {
            let text = answer["exceptionDetails"]["text"].as_str().unwrap_or("an exception");
            return Err(DriverError::Protocol(format!("{expression}: {text}")));
        }
        Ok(remote_value_to_json(&answer["result"]))
    }

    pub fn pointer(&mut self, window: &WindowId, action: Pointer, until: Instant) -> Result<(), DriverError> {
        self.size(window, until)?;
        let (Pointer::Move { x, y } | Pointer::Down { x, y, .. } | Pointer::Up { x, y, .. }) = action;
        let mut steps =
            vec![json!({ "type": "pointerMove", "x": x, "y": y, "origin": "viewport", "duration": 0 })];
        match action {
            Pointer::Move { .. } => {}
            Pointer::Down { .. } => steps.push(json!({ "type": "pointerDown", "button": 0 })),
            Pointer::Up { .. } => steps.push(json!({ "type": "pointerUp", "button": 0 })),
        }
        let mouse = json!({ "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" }, "actions": steps });
        let params = json!({ "context": window, "actions": [mouse] });
        let done = self.call(Some(window), "input.performActions", params, until).map(drop);
        if done.is_err() && matches!(action, Pointer::Up { .. }) {
            // A release that failed (the page went as it was pressed) leaves the button down in
            // WebDriver's input state, and the next press would be ignored: release it there.
            let _ = self.call(Some(window), "input.releaseActions", json!({ "context": window }), until);
        }
        done
    }

    pub fn screenshot(&mut self, window: &WindowId, until: Instant) -> Result<Vec<u8>, DriverError> {
        let answer = self.call(
            Some(window),
            "browsingContext.captureScreenshot",
            json!({ "context": window }),
            until,
        )?;
        let data = answer["data"].as_str().unwrap_or_default();
        base64_decode(data).ok_or_else(|| DriverError::Protocol("a screenshot that is not base64".into()))
    }

    /// Gives a window the launch's viewport, the first time it is driven.
    fn size(&mut self, window: &WindowId, until: Instant) -> Result<(), DriverError> {
        if self.sized.contains(window) {
            return Ok(());
        }
        let (width, height) = self.size;
        let params = json!({ "context": window, "viewport": { "width": width, "height": height } });
        self.call(Some(window), "browsingContext.setViewport", params, until)?;
        self.sized.insert(window.clone());
        Ok(())
    }

    /// Sends a command and waits for its answer; a window (`on`) that closes meanwhile ends the
    /// wait at once.
    fn call(
        &mut self,
        on: Option<&WindowId>,
        method: &str,
        params: Value,
        until: Instant,
    ) -> Result<Value, DriverError> {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::text(message.to_string()))
            .map_err(|e| DriverError::Crashed(format!("sending to Firefox: {e}")))?;
        loop {
            if let Some(window) = on.filter(|w| self.gone.contains(*w)) {
                return Err(DriverError::WindowGone(window.clone()));
            }
            let message = self.next_message(until, method)?;
            if message["id"].as_u64() != Some(id) {
                self.note(&message);
                continue;
            }
            if message["type"] == "error" {
                let (error, text) = (message["error"].as_str().unwrap_or("error"), &message["message"]);
                return Err(match (error, on) {
                    ("no such frame", Some(window)) => DriverError::WindowGone(window.clone()),
                    _ => DriverError::Protocol(format!("{method}: {error}: {}", text.as_str().unwrap_or(""))),
                });
            }
            return Ok(message["result"].clone());
        }
    }

    fn next_message(&mut self, until: Instant, what: &str) -> Result<Value, DriverError> {
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(DriverError::TimedOut(what.to_owned()));
            }
            let _ = self.socket.get_mut().set_read_timeout(Some(left));
            match self.socket.read() {
                // What does not parse is not a message: ignored.
                Ok(Message::Text(text)) => {
                    if let Ok(message) = serde_json::from_str(text.as_str()) {
                        return Ok(message);
                    }
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return Err(DriverError::Crashed(format!("the BiDi connection: {e}"))),
            }
        }
    }

    /// What an event changes; events of no interest (and odd messages) change nothing.
    fn note(&mut self, message: &Value) {
        let params = &message["params"];
        match message["method"].as_str().unwrap_or_default() {
            "browsingContext.contextCreated" => {
                if let Some(window) = top(params).filter(|w| !self.gone.contains(&w.id))
                    && !self.windows.iter().any(|known| known.id == window.id)
                {
                    self.windows.push(window);
                }
            }
            "browsingContext.contextDestroyed" => {
                if let Some(window) = top(params) {
                    self.windows.retain(|known| known.id != window.id);
                    self.gone.insert(window.id);
                }
            }
            "browsingContext.load" => {
                if let (Some(id), Some(url)) = (params["context"].as_str(), params["url"].as_str())
                    && let Some(known) = self.windows.iter_mut().find(|known| known.id == id)
                {
                    known.url = url.to_owned();
                }
            }
            _ => {}
        }
    }
}

/// A top-level browsing context (one without a parent), as a window.
fn top(info: &Value) -> Option<Window> {
    let id = info["context"].as_str().filter(|_| info["parent"].is_null())?;
    Some(Window { id: id.to_owned(), url: info["url"].as_str().unwrap_or_default().to_owned() })
}

/// The port in what follows [`LISTENING`]: `127.0.0.1:PORT`, once the line is complete.
fn listening_port(rest: &str) -> Option<u16> {
    let (line, _) = rest.split_once('\n')?;
    line.trim().rsplit_once(':')?.1.trim_end_matches('/').parse().ok()
}
