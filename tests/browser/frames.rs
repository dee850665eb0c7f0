//! What a cross-site iframe actually rendered. Chromium runs a cross-site frame in its own
//! process (an "out-of-process iframe") that the page's own DevTools session cannot see into, so
//! this opens a second DevTools connection to the browser, attaches to each iframe target, and
//! evaluates a script inside it.

use std::time::Duration;

use async_tungstenite::tokio::connect_async;
use async_tungstenite::tungstenite::Message;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::time::timeout;

/// One rendered iframe: its document's URL and its text.
#[derive(Debug, Clone)]
pub struct FrameView {
    pub href: String,
    pub text: String,
    /// `document.readyState`.
    pub ready: String,
}

impl FrameView {
    /// The browser refused to render the framed page (Chromium commits its error page instead).
    pub fn is_browser_error(&self) -> bool {
        self.href.starts_with("chrome-error://")
    }
}

/// Every iframe of the browser, as rendered now.
pub async fn iframes(browser_ws: &str) -> Vec<FrameView> {
    let (mut ws, _) = connect_async(browser_ws).await.expect("second DevTools connection");
    let mut next_id = 0u64;
    let mut call = async |ws: &mut _, session: Option<&str>, method: &str, params: Value| -> Value {
        next_id += 1;
        let mut message = json!({ "id": next_id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        send_and_wait(ws, next_id, message).await
    };

    let targets = call(&mut ws, None, "Target.getTargets", json!({})).await;
    let mut views = Vec::new();
    for target in targets["targetInfos"].as_array().into_iter().flatten() {
        if target["type"] != "iframe" {
            continue;
        }
        let attached = call(
            &mut ws,
            None,
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        )
        .await;
        let Some(session) = attached["sessionId"].as_str().map(str::to_owned) else { continue };
        let expression = "JSON.stringify([location.href, document.body ? document.body.innerText : '', document.readyState])";
        let result = call(
            &mut ws,
            Some(&session),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        )
        .await;
        let _ = call(&mut ws, None, "Target.detachFromTarget", json!({ "sessionId": session })).await;
        if let Some(text) = result["result"]["value"].as_str() {
            let (href, text, ready) = serde_json::from_str(text).expect("frame view JSON");
            views.push(FrameView { href, text, ready });
        }
    }
    let _ = ws.close(None).await;
    views
}

async fn send_and_wait<S>(ws: &mut S, id: u64, message: Value) -> Value
where
    S: SinkExt<Message> + StreamExt<Item = Result<Message, async_tungstenite::tungstenite::Error>> + Unpin,
    <S as futures_util::Sink<Message>>::Error: std::fmt::Debug,
{
    ws.send(Message::text(message.to_string())).await.expect("send DevTools command");
    let reply = timeout(Duration::from_secs(10), async {
        while let Some(Ok(frame)) = ws.next().await {
            let Message::Text(text) = frame else { continue };
            let value: Value = serde_json::from_str(&text).expect("DevTools JSON");
            if value["id"] == id {
                return value;
            }
        }
        panic!("DevTools connection closed");
    })
    .await
    .expect("DevTools reply in time");
    reply["result"].clone()
}
