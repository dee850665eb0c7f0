//! What an iframe actually rendered. Chromium runs a cross-site frame in its own process (an
//! "out-of-process iframe") that the page's own DevTools session cannot see into: for those, a
//! second DevTools connection to the browser attaches to each iframe target and evaluates a script
//! inside it. A frame of the page's own site shares its process: it is reached through the page's
//! frame tree and an isolated world of its own.

use std::time::Duration;

use async_tungstenite::tokio::connect_async;
use async_tungstenite::tungstenite::Message;
use chromiumoxide::cdp::browser_protocol::page::{CreateIsolatedWorldParams, GetFrameTreeParams};
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use chromiumoxide::page::Page;
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
    /// Whether the page's body is shown (not `display: none`, not `visibility: hidden`).
    pub visible: bool,
    /// How many of its elements are under the pointer (`:hover`): the pointer reached inside.
    pub hovered: u64,
    /// A click at the pointer would press a confirm button: one is under it, enabled and shown.
    pub confirmable: bool,
}

/// Evaluated inside a frame: what it shows.
/// `document.documentURI`, not `location.href`: Firefox keeps the requested address in `location`
/// when it shows an error page instead (`about:neterror?e=xfoBlocked`).
pub const VIEW: &str = "JSON.stringify([document.documentURI, document.body ? document.body.innerText : '', \
     document.readyState, !!document.body && document.body.getClientRects().length > 0 && \
     getComputedStyle(document.body).visibility !== 'hidden', document.querySelectorAll(':hover').length, \
     [...document.querySelectorAll('#confirm-transfer, #confirm-final')].some(b => b.matches(':hover') && \
     !b.disabled && b.getClientRects().length > 0 && getComputedStyle(b).visibility !== 'hidden')])";

pub fn parse_view(json: &str) -> FrameView {
    let (href, text, ready, visible, hovered, confirmable) =
        serde_json::from_str(json).expect("frame view JSON");
    FrameView { href, text, ready, visible, hovered, confirmable }
}

impl FrameView {
    /// The browser refused to render the framed page (Chromium commits its error page instead).
    /// The engine's own page for a frame refused by `X-Frame-Options` or `frame-ancestors`, and
    /// no other error (a TLS or client-certificate failure must not pass for a refused frame):
    /// Chromium's `chrome-error://chromewebdata/` saying "refused to connect", Firefox's
    /// `about:neterror?e=xfoBlocked` or `e=cspBlocked`.
    pub fn is_framing_refusal(&self) -> bool {
        (self.href.starts_with("chrome-error://") && self.text.contains("refused to connect"))
            || (self.href.starts_with("about:neterror")
                && (self.href.contains("e=xfoBlocked") || self.href.contains("e=cspBlocked")))
    }

    /// Any error page of either engine (the frame shows no page of the bank).
    pub fn is_error_page(&self) -> bool {
        self.href.starts_with("chrome-error://") || self.href.starts_with("about:neterror")
    }
}

/// Every iframe of the browser, as rendered now.
pub async fn iframes(browser_ws: &str) -> Vec<FrameView> {
    evaluate_in_targets(browser_ws, "iframe", VIEW)
        .await
        .into_iter()
        .filter_map(|(_, value)| value.as_str().map(parse_view))
        .collect()
}

/// Evaluates `expression` in every target of `kind` (`"iframe"`, `"page"`), through a DevTools
/// connection of its own: (target URL, value). Unlike a long-lived page handle, this works on a
/// page that has just navigated to another site's process.
pub async fn evaluate_in_targets(browser_ws: &str, kind: &str, expression: &str) -> Vec<(String, Value)> {
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
    let mut values = Vec::new();
    for target in targets["targetInfos"].as_array().into_iter().flatten() {
        if target["type"] != kind {
            continue;
        }
        let params = json!({ "targetId": target["targetId"], "flatten": true });
        let attached = call(&mut ws, None, "Target.attachToTarget", params).await;
        let Some(session) = attached["sessionId"].as_str().map(str::to_owned) else { continue };
        let params = json!({ "expression": expression, "returnByValue": true });
        let result = call(&mut ws, Some(&session), "Runtime.evaluate", params).await;
        let _ = call(&mut ws, None, "Target.detachFromTarget", json!({ "sessionId": session })).await;
        let url = target["url"].as_str().unwrap_or_default().to_owned();
        values.push((url, result["result"]["value"].clone()));
    }
    let _ = ws.close(None).await;
    values
}

/// The frames of `page` that run in its own process (frames of its own site).
pub async fn in_process_frames(page: &Page) -> Vec<FrameView> {
    let Ok(Ok(tree)) = timeout(Duration::from_secs(10), page.execute(GetFrameTreeParams::default())).await
    else {
        return Vec::new();
    };
    let mut views = Vec::new();
    for child in tree.result.frame_tree.child_frames.iter().flatten() {
        let world =
            CreateIsolatedWorldParams::builder().frame_id(child.frame.id.clone()).build().expect("params");
        let Ok(Ok(world)) = timeout(Duration::from_secs(10), page.execute(world)).await else { continue };
        let evaluate = EvaluateParams::builder()
            .expression(VIEW)
            .context_id(world.result.execution_context_id)
            .return_by_value(true)
            .build()
            .expect("params");
        if let Ok(Ok(result)) = timeout(Duration::from_secs(10), page.execute(evaluate)).await
            && let Some(json) = result.result.result.value.as_ref().and_then(Value::as_str)
        {
            views.push(parse_view(json));
        }
    }
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
