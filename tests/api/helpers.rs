//! Steps the test modules share: render a confirmation page, submit its form, read the bank's
//! answer (error message, redirect, session cookie, who it says you are), and the assertions on a
//! refused or executed transfer.

use clickjack_lab::sessions;
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

use crate::common::{TestApp, form_value};

/// A form body, in field order, as a browser would submit it.
#[derive(Debug, Clone, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn new(fields: &[(&str, &str)]) -> Self {
        Self(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    /// The form with `field` set to `value` (replaced if present, else added).
    pub fn with(mut self, field: &str, value: &str) -> Self {
        match self.0.iter_mut().find(|(k, _)| k == field) {
            Some((_, v)) => *v = value.to_owned(),
            None => self.0.push((field.to_owned(), value.to_owned())),
        }
        self
    }

    /// The form without `field`.
    pub fn without(mut self, field: &str) -> Self {
        self.0.retain(|(k, _)| k != field);
        self
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == field).map(|(_, v)| v.as_str())
    }

    /// `application/x-www-form-urlencoded`, as a form post body or a query string.
    pub fn encode(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&self.0).finish()
    }
}

/// A url-encoded form body (reqwest's own `.form()` is behind a feature this crate leaves off).
pub trait FormBody {
    fn form_body(self, form: &Form) -> Self;
}

impl FormBody for RequestBuilder {
    fn form_body(self, form: &Form) -> Self {
        self.header("Content-Type", "application/x-www-form-urlencoded").body(form.encode())
    }
}

/// A rendered confirmation page and the form it would submit.
#[derive(Debug, Clone)]
pub struct Confirmation {
    pub page: String,
    pub form: Form,
}

impl Confirmation {
    pub fn csrf_token(&self) -> Option<&str> {
        self.form.get("csrf_token")
    }

    pub fn request_id(&self) -> &str {
        self.form.get("request_id").expect("a confirmation form has a request_id")
    }
}

/// `GET /transfer/confirm?to=&amount=&memo=`, without judging the answer.
pub async fn get_confirm(app: &TestApp, client: &Client, to: &str, amount: &str, memo: &str) -> Response {
    let query = Form::new(&[("to", to), ("amount", amount), ("memo", memo)]).encode();
    client.get(app.url(&format!("/transfer/confirm?{query}"))).send().await.expect("GET /transfer/confirm")
}

/// Renders a confirmation page, which must succeed, and reads its hidden fields.
pub async fn confirm(app: &TestApp, client: &Client, to: &str, amount: &str, memo: &str) -> Confirmation {
    let response = get_confirm(app, client, to, amount, memo).await;
    let status = response.status();
    let page = response.text().await.expect("confirmation page body");
    assert_eq!(status, 200, "confirmation page for {to} {amount}: {page}");
    let mut form = Form::default();
    for field in ["csrf_token", "to", "amount", "memo", "request_id"] {
        if let Some(value) = form_value(&page, field) {
            form = form.with(field, &unescape(&value));
        }
    }
    Confirmation { page, form }
}

/// POSTs a form from the bank's own origin (what a click on a bank page sends).
pub async fn submit(app: &TestApp, client: &Client, path: &str, form: &Form) -> Response {
    client
        .post(app.url(path))
        .header("Origin", app.sites.bank.as_str())
        .form_body(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e:?}"))
}

/// The `Location` of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().expect("ASCII Location").to_owned())
        .unwrap_or_default()
}

/// The status and body of a response.
pub async fn read(response: Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.expect("response body"))
}

/// The `Set-Cookie` header that sets the signed-in session cookie, if the response has one.
pub fn session_set_cookie(response: &Response) -> Option<String> {
    set_cookie(response, sessions::COOKIE)
}

/// The `Set-Cookie` header that sets the login form's anonymous session cookie, if any.
pub fn pre_login_set_cookie(response: &Response) -> Option<String> {
    set_cookie(response, sessions::PRE_LOGIN_COOKIE)
}

fn set_cookie(response: &Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&prefix))
        .map(str::to_owned)
}

/// The value of the session cookie a `Set-Cookie` header sets.
pub fn cookie_value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap_or_default();
    pair.split_once('=').map(|(_, v)| v.to_owned()).unwrap_or_default()
}

/// The message of an error page (`<p class="message" id="error-message">`), unescaped.
pub fn error_message(page: &str) -> String {
    let marker = "id=\"error-message\">";
    let start = page.find(marker).unwrap_or_else(|| panic!("not an error page: {page}")) + marker.len();
    let end = page[start..].find("</p>").expect("the message paragraph ends");
    unescape(&page[start..start + end])
}

/// Undoes askama's HTML escaping (`&#60;` and friends, named entities too).
pub fn unescape(text: &str) -> String {
    [("&#60;", "<"), ("&lt;", "<"), ("&#62;", ">"), ("&gt;", ">"), ("&#34;", "\""), ("&quot;", "\"")]
        .into_iter()
        .chain([("&#39;", "'"), ("&#38;", "&"), ("&amp;", "&")])
        .fold(text.to_owned(), |text, (entity, raw)| text.replace(entity, raw))
}

/// Escapes text the way askama does, to find user input on a rendered page.
pub fn escape(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The balances of the three seeded users, in cents: (alice, bob, mallory).
pub async fn balances(app: &TestApp) -> (i64, i64, i64) {
    let b = app.balances().await;
    (b["alice"], b["bob"], b["mallory"])
}

/// The seeded balances: alice and bob 1000.00, mallory 10.00.
pub const SEEDED: (i64, i64, i64) = (100_000, 100_000, 1_000);

/// `GET /transfer/confirm` with these query fields and request headers (the `Sec-Fetch-*` a
/// browser would send for a top-level page, a frame, a popup...), without judging the answer.
pub async fn get_confirm_with(
    app: &TestApp,
    client: &Client,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Response {
    let query = Form::new(query).encode();
    let mut request = client.get(app.url(&format!("/transfer/confirm?{query}")));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("GET /transfer/confirm")
}

/// POSTs a form from the bank's own origin, with these extra request headers.
pub async fn submit_with(
    app: &TestApp,
    client: &Client,
    path: &str,
    form: &Form,
    headers: &[(&str, &str)],
) -> Response {
    let mut request = client.post(app.url(path)).header("Origin", app.sites.bank.as_str()).form_body(form);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap_or_else(|e| panic!("POST {path}: {e:?}"))
}

/// Every hidden field of the first form on `page` that posts to `action`, unescaped, in order.
pub fn hidden_fields(page: &str, action: &str) -> Form {
    let marker = format!("method=\"post\" action=\"{action}\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no form posting to {action}: {page}"));
    let end = start + page[start..].find("</form>").expect("the form ends");
    let mut form = Form::default();
    for input in page[start..end].split("<input").skip(1) {
        let input = &input[..input.find('>').expect("the input tag ends")];
        if !input.contains("type=\"hidden\"") {
            continue;
        }
        let attribute = |name: &str| {
            let marker = format!("{name}=\"");
            let start = input.find(&marker)? + marker.len();
            Some(unescape(&input[start..start + input[start..].find('"')?]))
        };
        if let (Some(name), Some(value)) = (attribute("name"), attribute("value")) {
            form = form.with(&name, &value);
        }
    }
    form
}

/// The audit log as (method, path, decided_by, reason, status), oldest first.
pub async fn audit_log(app: &TestApp) -> Vec<(String, String, String, String, i64)> {
    app.fetch_all("SELECT method, path, decided_by, reason, status FROM audit_events ORDER BY id").await
}

/// The real binary with a clean `LAB_*` environment, its files in `dir`, ports 0, and these
/// variables on top.
pub fn lab_binary(dir: &std::path::Path, vars: &[(&str, &str)]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clickjack-lab"));
    // Nothing of this process's LAB_* environment: the lab refuses a name it does not know.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("LAB_") {
            command.env_remove(name);
        }
    }
    command
        .env("LAB_CERTS_DIR", dir.join("certs"))
        .env("LAB_DATABASE", dir.join("lab.sqlite"))
        .env("LAB_BANK_PORT", "0")
        .env("LAB_ATTACKER_PORT", "0")
        .env("LAB_SAMESITE_ATTACKER_PORT", "0")
        .env("RUST_LOG", "warn")
        .envs(vars.iter().copied())
        .stdin(std::process::Stdio::null());
    command
}

/// Runs the binary to completion; it must stop by itself within 20 s.
pub fn run_binary(mut command: std::process::Command) -> std::process::Output {
    use std::time::{Duration, Instant};
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn the lab");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait for the lab").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the lab did not exit by itself");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("the lab's output")
}

/// What `GET /api/me` says of a request's sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Me {
    /// Signed in: the username, how (`certificate`, `password`), the certificate presented, and
    /// the balance.
    User { name: String, by: String, fingerprint: Option<String>, balance_cents: i64 },
    /// Answered without a user: the status and the error message.
    Refused { status: u16, error: String },
    /// No answer: the TLS handshake (or the connection) failed.
    NoAnswer(String),
}

impl Me {
    /// The signed-in user's name, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::User { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The status of an answer without a user (`None`: signed in, or no answer).
    pub fn refused(&self) -> Option<u16> {
        match self {
            Self::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the handshake (or connection) failed.
    pub fn no_answer(&self) -> bool {
        matches!(self, Self::NoAnswer(_))
    }
}

/// Sends a `GET /api/me` request (built by the caller: its client, address and headers) and reads
/// who the bank says the sender is.
pub async fn me(request: RequestBuilder) -> Me {
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => return Me::NoAnswer(format!("{e:?}")),
    };
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or_default();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    match status {
        200 => Me::User {
            name: text(&body["username"]),
            by: text(&body["signed_in_by"]),
            fingerprint: body["certificate"]["fingerprint"].as_str().map(str::to_owned),
            balance_cents: body["balance_cents"].as_i64().unwrap_or(-1),
        },
        _ => Me::Refused { status, error: text(&body["error"]) },
    }
}

/// What the bank says of `client` (`GET /api/me` on the bank).
pub async fn whoami(app: &TestApp, client: &Client) -> Me {
    me(client.get(app.url("/api/me"))).await
}

/// How a refusal looks: its status, and the title of its page (the protection that refused).
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    pub status: u16,
    pub title: &'static str,
}

pub const BY_ORIGIN_CHECK: Refusal = Refusal { status: 403, title: "Refused by the origin check" };
pub const BY_FETCH_METADATA: Refusal = Refusal { status: 403, title: "Refused by Fetch Metadata" };
pub const BY_CSRF_TOKEN: Refusal = Refusal { status: 403, title: "Refused by the CSRF token check" };

/// A refused request: its status and page (`by`), every phrase in its message, and nothing moved.
pub async fn assert_refused(app: &TestApp, response: Response, by: Refusal, phrases: &[&str]) {
    let (status, page) = read(response).await;
    assert_eq!(status, by.status, "{by:?}, {phrases:?}: {page}");
    assert!(page.contains(by.title), "{by:?}: not on {page}");
    let message = error_message(&page);
    for phrase in phrases {
        assert!(message.contains(phrase), "{by:?}: {phrase:?} not in {message:?}");
    }
    assert_eq!(balances(app).await, SEEDED, "{by:?}, {phrases:?}: a refused request moves nothing");
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0, "{by:?}, {phrases:?}");
}

/// An executed transfer of 10.00 from alice to bob: a 303 to its result.
pub async fn assert_executed(app: &TestApp, what: &str, response: Response) {
    let target = location(&response);
    let (status, page) = read(response).await;
    assert_eq!(status, 303, "{what}: {page}");
    assert!(target.starts_with("/transfers/"), "{what}: {target}");
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(app).await, (alice - 1_000, bob + 1_000, mallory), "{what}");
}

/// alice's client and a confirmation of 10.00 to bob, rendered by the bank.
pub async fn alice_confirms(app: &TestApp) -> (Client, Confirmation) {
    let client = app.client_as("alice");
    let confirmation = confirm(app, &client, "bob", "10.00", "rent").await;
    (client, confirmation)
}
