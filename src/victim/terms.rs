//! What the victim's driver says and hears in either engine: windows, pointer actions, errors,
//! and the two encodings both protocols answer in (script values, base64 pictures).

use serde_json::{Map, Value};

/// A top-level window (tab or popup): Chromium's target id, Firefox's browsing context id.
pub type WindowId = String;

/// A top-level window and the address it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub id: WindowId,
    pub url: String,
}

/// One thing a mouse does, in viewport CSS pixels. `count` is the click count (2 for the second
/// press of a double-click); Firefox counts clicks itself, from their timing and place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pointer {
    Move { x: f64, y: f64 },
    Down { x: f64, y: f64, count: u32 },
    Up { x: f64, y: f64, count: u32 },
}

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The browser could not be started: the message names the binary and the cause.
    #[error("cannot start the browser: {0}")]
    Start(String),
    /// The browser exited, or its end of the connection closed.
    #[error("the browser is gone: {0}")]
    Crashed(String),
    /// What was awaited did not happen in time.
    #[error("timed out waiting for {0}")]
    TimedOut(String),
    /// The browser answered with an error.
    #[error("the browser refused: {0}")]
    Protocol(String),
    /// The window closed (or never was).
    #[error("window {0} is gone")]
    WindowGone(WindowId),
}

/// A script result as both engines can serialise it (WebDriver BiDi's `RemoteValue`, which
/// Chromium's deep serialisation also speaks), as JSON. What JSON cannot hold (functions,
/// windows, nodes, NaN, undefined) becomes null.
pub fn remote_value_to_json(remote: &Value) -> Value {
    let value = &remote["value"];
    match remote["type"].as_str().unwrap_or_default() {
        "string" | "boolean" => value.clone(),
        "number" => Some(value).filter(|v| v.is_number()).cloned().unwrap_or(Value::Null),
        "bigint" => value.as_str().and_then(|s| s.parse::<i64>().ok()).map_or(Value::Null, Value::from),
        "array" | "set" => Value::Array(items(value).map(remote_value_to_json).collect()),
        "object" | "map" => {
            let mut object = Map::new();
            for entry in items(value) {
                let key = match &entry[0] {
                    Value::String(key) => key.clone(),
                    other => match remote_value_to_json(other) {
                        Value::String(key) => key,
                        key => key.to_string(),
                    },
                };
                object.insert(key, remote_value_to_json(&entry[1]));
            }
            Value::Object(object)
        }
        "date" | "regexp" => value.get("pattern").cloned().unwrap_or_else(|| value.clone()),
        _ => Value::Null,
    }
}

fn items(value: &Value) -> impl Iterator<Item = &Value> {
    value.as_array().into_iter().flatten()
}

/// Decodes standard base64 (both engines send pictures so); None if it is not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut held) = (0u32, 0u32);
    for byte in text.bytes().filter(|b| !b.is_ascii_whitespace()) {
        let six = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(six);
        held += 6;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn script_values_become_json() {
        let remote = json!({"type": "object", "value": [
            ["a", {"type": "array", "value": [{"type": "number", "value": 1.5}, {"type": "number", "value": "NaN"}]}],
            ["b", {"type": "undefined"}],
            ["c", {"type": "window", "value": {"context": "x"}}],
        ]});
        assert_eq!(remote_value_to_json(&remote), json!({"a": [1.5, null], "b": null, "c": null}));
        assert_eq!(remote_value_to_json(&json!({"type": "string", "value": "complete"})), json!("complete"));
        assert_eq!(remote_value_to_json(&json!({"odd": true})), Value::Null);
    }

    #[test]
    fn base64_decodes_with_or_without_padding() {
        assert_eq!(base64_decode("iVBORw==").unwrap(), b"\x89PNG");
        assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
        assert!(base64_decode("no!").is_none());
    }
}
