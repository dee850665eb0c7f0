//! The Big List of Naughty Strings (515 strings: markup, SQL, format strings, right-to-left text,
//! emoji, zero-width and 1,800-byte strings) thrown at every input of the bank: the confirmation
//! page's query, each field of the transfer form, the request headers the protections read, the
//! transfer page's path, the audit page's filter, the sign-in form and CSP reports. Whatever comes
//! in: no answer is a 5xx, markup never comes back unescaped, a naughty memo that fits the rules
//! makes a real transfer and is shown escaped (the positive control that the strings reach the
//! pages at all), no money appears or vanishes, and the audit log stays bounded.

use std::collections::BTreeMap;
use std::sync::Arc;

use naughty_strings::BLNS;
use reqwest::header::HeaderValue;
use reqwest::{Client, RequestBuilder};
use tokio::sync::Mutex;

use crate::common::{TestApp, spawn_app};
use crate::helpers::{Form, FormBody, escape, get_confirm, hidden_fields, location, read};

/// Requests in flight at once (the server's two cores stay busy; the test stays short).
const WORKERS: usize = 8;
/// The headers the protections and the audit log read.
const HEADERS: [&str; 7] =
    ["Origin", "Referer", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest", "Cookie", "User-Agent"];

/// What the requests found, shared by the workers.
#[derive(Default)]
struct Findings {
    requests: usize,
    /// "what was sent -> status", for every 5xx.
    server_errors: Vec<String>,
    /// Where a string with markup came back as it was sent.
    unescaped: Vec<String>,
    /// Strings that cannot be a header value (line breaks, NUL...): not sent as one.
    not_a_header: usize,
    /// Memos that made a transfer, and the result page showed escaped.
    memos_shown: Vec<&'static str>,
    /// Transfers the corpus made (each 0.01).
    transfers: i64,
}

impl Findings {
    /// Records an answer: its status, and whether `sent` came back unescaped in `body`.
    fn saw(&mut self, what: &str, sent: &str, status: u16, body: &str) {
        self.requests += 1;
        if status >= 500 {
            self.server_errors.push(format!("{what} {sent:?} -> {status}"));
        }
        if sent.contains('<') && body.contains(sent) {
            self.unescaped.push(format!("{what} {sent:?}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_naughty_string_in_every_input_gets_a_clear_answer_and_is_never_echoed_raw() {
    // Arrange: the defaults (certificate sign-in, every protection on); a second bank that takes
    // password sign-ins and CSP reports (LAB_MTLS=optional, LAB_FRAME=report-only).
    let app = Arc::new(spawn_app(&[]).await);
    let open = Arc::new(spawn_app(&[("LAB_MTLS", "optional"), ("LAB_FRAME", "report-only")]).await);
    let money_before: i64 = app.balances().await.values().sum();
    let findings = Arc::new(Mutex::new(Findings::default()));
    let strings: Vec<&'static str> = BLNS.to_vec();
    assert!(strings.len() > 500, "the corpus has {} strings", strings.len());

    // Act: each worker takes every WORKERS-th string through every input.
    let workers: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let (app, open, findings) = (app.clone(), open.clone(), findings.clone());
            let mine: Vec<&'static str> = strings.iter().copied().skip(worker).step_by(WORKERS).collect();
            tokio::spawn(async move {
                let alice = app.client_as("alice");
                let anonymous = open.client(None);
                for s in mine {
                    through_the_bank(&app, &alice, s, &findings).await;
                    through_the_open_bank(&open, &anonymous, s, &findings).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("a worker panicked");
    }

    // Assert: the answers.
    let findings = findings.lock().await;
    eprintln!(
        "{} strings, {} requests, {} transfers by memo, {} memos shown, {} not header values",
        strings.len(),
        findings.requests,
        findings.transfers,
        findings.memos_shown.len(),
        findings.not_a_header
    );
    assert!(findings.server_errors.is_empty(), "5xx answers: {:#?}", findings.server_errors);
    assert!(findings.unescaped.is_empty(), "markup echoed raw: {:#?}", findings.unescaped);
    // The positive control: naughty memos reached the bank, moved money and came back escaped.
    assert!(findings.memos_shown.len() > 200, "only {} memos made a transfer", findings.memos_shown.len());
    assert!(
        findings.memos_shown.contains(&"<script>alert(123)</script>"),
        "the script memo made no transfer"
    );
    let requests = findings.requests;
    assert!(
        requests > 10_000,
        "{requests} requests, {} strings were not header values",
        findings.not_a_header
    );

    // The money: none appeared or vanished, none went negative, each transfer has its audit row,
    // and the memos are stored as typed.
    assert_eq!(app.balances().await.values().sum::<i64>(), money_before, "money appeared or vanished");
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE balance_cents < 0").await, 0);
    let transfers = app.count("SELECT COUNT(*) FROM transfers").await;
    assert!(transfers >= findings.transfers, "{transfers} transfers, {} seen", findings.transfers);
    let recorded = app
        .count("SELECT COUNT(*) FROM audit_events WHERE path = '/transfer' AND decision = 'allowed' AND reason LIKE 'moved %'")
        .await;
    assert_eq!(recorded, transfers, "one audit row per transfer");
    let memos: Vec<(String,)> = app.fetch_all("SELECT memo FROM transfers").await;
    let stored: std::collections::HashSet<&str> = memos.iter().map(|(m,)| m.as_str()).collect();
    let lost: Vec<_> = findings.memos_shown.iter().filter(|m| !stored.contains(*m)).take(3).collect();
    assert!(lost.is_empty(), "memos not stored as typed: {lost:?}");

    // The audit log: rows were written, every value within its cap, the table within its bound.
    for bank in [&app, &open] {
        let rows = bank.count("SELECT COUNT(*) FROM audit_events").await;
        assert!(rows > 0 && rows <= 50_000 + 64, "{rows} audit rows");
        let widest: BTreeMap<&str, i64> = [
            "cert_cn",
            "method",
            "path",
            "origin",
            "referer",
            "sec_fetch_site",
            "sec_fetch_mode",
            "sec_fetch_dest",
            "username",
        ]
        .into_iter()
        .map(|column| (column, 0))
        .collect();
        for column in widest.keys() {
            let sql = format!("SELECT COALESCE(MAX(length(CAST({column} AS BLOB))), 0) FROM audit_events");
            let bytes = bank.count(&sql).await;
            assert!(bytes <= 256 + 40, "audit column {column}: a value of {bytes} bytes");
        }
        let reason = bank.count("SELECT MAX(length(CAST(reason AS BLOB))) FROM audit_events").await;
        assert!(reason <= 2048 + 40, "an audit reason of {reason} bytes");
    }

    // The pages that show what was stored (the audit log, the memos on both dashboards) show it
    // escaped; the bank still answers.
    for (user, path) in [("alice", "/audit"), ("alice", "/audit?show=refusals"), ("alice", "/"), ("bob", "/")]
    {
        let (status, page) = read(app.client_as(user).get(app.url(path)).send().await.unwrap()).await;
        assert_eq!(status, 200, "{user}: {path}");
        let raw: Vec<_> = strings.iter().filter(|s| s.contains('<') && page.contains(**s)).take(3).collect();
        assert!(raw.is_empty(), "{user}: {path} shows markup raw: {raw:?}");
    }
}

/// `s` through the inputs of the bank with its defaults, as alice (by certificate).
async fn through_the_bank(app: &TestApp, alice: &Client, s: &'static str, findings: &Mutex<Findings>) {
    // The confirmation page's query, one parameter at a time.
    for (to, amount, memo, what) in [
        (s, "0.01", "", "confirm to="),
        ("bob", s, "", "confirm amount="),
        ("bob", "0.01", s, "confirm memo="),
    ] {
        let (status, page) = read(get_confirm(app, alice, to, amount, memo).await).await;
        findings.lock().await.saw(what, s, status, &page);
        if what == "confirm memo=" && status == 200 {
            memo_transfer(app, alice, s, &page, findings).await;
        }
    }

    // Each field of a real confirmation's form.
    let (status, page) = read(get_confirm(app, alice, "bob", "0.01", "naughty").await).await;
    assert_eq!(status, 200, "a plain confirmation: {page}");
    let form = hidden_fields(&page, "/transfer");
    for field in ["to", "amount", "memo", "request_id", "csrf_token", "step"] {
        let response = send(
            alice.post(app.url("/transfer")).header("Origin", app.sites.bank.as_str()),
            &form.clone().with(field, s),
        )
        .await;
        let (status, body) = read(response).await;
        findings.lock().await.saw(&format!("POST /transfer {field}="), s, status, &body);
    }

    // The headers the protections read, on the page and on the transfer.
    for header in HEADERS {
        let Ok(value) = HeaderValue::from_bytes(s.as_bytes()) else {
            findings.lock().await.not_a_header += 1;
            continue;
        };
        let page = alice.get(app.url("/transfer/confirm?to=bob&amount=0.01")).header(header, value.clone());
        let (status, body) = read(page.send().await.expect("GET with a naughty header")).await;
        findings.lock().await.saw(&format!("GET {header}:"), s, status, &body);
        let mut post = alice.post(app.url("/transfer"));
        if header != "Origin" {
            post = post.header("Origin", app.sites.bank.as_str());
        }
        let (status, body) = read(send(post.header(header, value), &form).await).await;
        findings.lock().await.saw(&format!("POST {header}:"), s, status, &body);
    }

    // A transfer's page, and the audit page's filter.
    let path: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
    for (what, target) in [
        ("GET /transfers/", format!("/transfers/{path}")),
        ("GET /audit?user=", format!("/audit?user={path}")),
        ("GET /audit?show=", format!("/audit?show={path}")),
    ] {
        let (status, body) = read(alice.get(app.url(&target)).send().await.expect("GET")).await;
        findings.lock().await.saw(what, s, status, &body);
    }
}

/// Submits the confirmation page's form for memo `s` and reads the transfer's page.
async fn memo_transfer(
    app: &TestApp,
    alice: &Client,
    s: &'static str,
    page: &str,
    findings: &Mutex<Findings>,
) {
    let form = hidden_fields(page, "/transfer");
    assert_eq!(form.get("memo"), Some(s), "the confirmation form carries the memo as typed");
    let response =
        send(alice.post(app.url("/transfer")).header("Origin", app.sites.bank.as_str()), &form).await;
    let status = response.status().as_u16();
    let to = location(&response);
    let (_, body) = read(response).await;
    findings.lock().await.saw("POST /transfer memo (confirmed)", s, status, &body);
    assert_eq!(status, 303, "a confirmed transfer with memo {s:?}: {body}");
    let (status, result) = read(alice.get(app.url(&to)).send().await.expect("GET the transfer")).await;
    let mut findings = findings.lock().await;
    findings.saw("GET the transfer of memo", s, status, &result);
    assert_eq!(status, 200, "{to}");
    findings.transfers += 1;
    if result.contains(&format!("id=\"result-memo\">{}</dd>", escape(s))) {
        findings.memos_shown.push(s);
    }
}

/// `s` through the sign-in form and a CSP report, on the bank that takes them.
async fn through_the_open_bank(
    open: &TestApp,
    anonymous: &Client,
    s: &'static str,
    findings: &Mutex<Findings>,
) {
    for form in [
        Form::new(&[("username", s), ("password", "x")]),
        Form::new(&[("username", "alice"), ("password", s)]),
    ] {
        let response =
            send(anonymous.post(open.url("/login")).header("Origin", open.sites.bank.as_str()), &form).await;
        let (status, body) = read(response).await;
        findings.lock().await.saw("POST /login", s, status, &body);
    }
    let report =
        serde_json::json!({ "csp-report": { "violated-directive": s, "document-uri": s, "blocked-uri": s } });
    for body in [s.to_owned(), report.to_string()] {
        let response = anonymous
            .post(open.url("/csp-report"))
            .header("Content-Type", "application/csp-report")
            .body(body)
            .send()
            .await
            .expect("POST /csp-report");
        let (status, answer) = read(response).await;
        findings.lock().await.saw("POST /csp-report", s, status, &answer);
    }
}

/// Sends a form post.
async fn send(request: RequestBuilder, form: &Form) -> reqwest::Response {
    request.form_body(form).send().await.expect("POST")
}
