//! The lab, watching the bank from outside: solve detection (how each confirmation page was loaded,
//! and the transfer it led to), the `/lab` page with every scenario, its expected outcome and its
//! badges, and the reset.

mod desk;
mod detection;
mod page;
mod panel;
mod practice;
mod reset;

pub use reqwest::Client;

pub use crate::common::{TestApp, spawn_app};
pub use crate::helpers::{
    Form, FormBody, SEEDED, audit_log, balances, get_confirm_with, hidden_fields, lab_binary, location, read,
    run_binary, submit, submit_with,
};

/// The scenario ids, as the attack pages tag their links.
const SCENARIOS: [&str; 10] = [
    "basic",
    "multistep",
    "framebuster",
    "csrf",
    "doubleclick",
    "misconfig",
    "samesite",
    "cookie-session",
    "svg-filter",
    "cursorjack",
];

/// The headers of a page load inside a frame on the attacker's site.
const FRAMED: &[(&str, &str)] =
    &[("Sec-Fetch-Dest", "iframe"), ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "navigate")];
/// The headers of a top-level page load another site started (a link, or the popup's navigation).
const FROM_ELSEWHERE: &[(&str, &str)] = &[
    ("Sec-Fetch-Dest", "document"),
    ("Sec-Fetch-Site", "cross-site"),
    ("Sec-Fetch-Mode", "navigate"),
    ("Sec-Fetch-User", "?1"),
];
/// The headers of a page load from a link on the bank itself.
const FROM_THE_BANK: &[(&str, &str)] =
    &[("Sec-Fetch-Dest", "document"), ("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Mode", "navigate")];

/// alice's confirmation of 250.00 to mallory, from a link tagged with `scenario` (as the attack
/// pages tag theirs), loaded with `headers`: the form it renders.
async fn render(app: &TestApp, client: &Client, scenario: &str, headers: &[(&str, &str)]) -> Form {
    let query = [("to", "mallory"), ("amount", "250.00"), ("memo", "Prize"), ("scenario", scenario)];
    let (status, page) = read(get_confirm_with(app, client, &query, headers).await).await;
    assert_eq!(status, 200, "{page}");
    let form = hidden_fields(&page, "/transfer");
    assert_eq!(form.get("scenario"), None, "the bank's form knows nothing of the lab: {form:?}");
    form
}

/// Submits a rendered form as the click on it would (from its page, wherever that page was).
async fn click(app: &TestApp, client: &Client, form: &Form, dest: &str) {
    let headers =
        [("Sec-Fetch-Dest", dest), ("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Mode", "navigate")];
    let response = submit_with(app, client, "/transfer", form, &headers).await;
    let target = location(&response);
    let (status, page) = read(response).await;
    assert_eq!(status, 303, "{page}");
    assert!(target.starts_with("/transfers/"), "{target}");
}

/// What the lab concluded about each transfer, oldest first: (detection, scenario).
async fn verdicts(app: &TestApp) -> Vec<(Option<String>, Option<String>)> {
    app.fetch_all(
        "SELECT v.detection, v.scenario FROM transfers t LEFT JOIN lab_verdicts v ON v.transfer_id = t.id \
         ORDER BY t.created_at, t.id",
    )
    .await
}

/// What the lab concluded about the one transfer: (detection, scenario).
async fn verdict(app: &TestApp) -> (Option<String>, Option<String>) {
    let mut all = verdicts(app).await;
    assert_eq!(all.len(), 1, "one transfer: {all:?}");
    all.remove(0)
}

/// The `/lab` page as `client` sees it.
async fn lab_page(app: &TestApp, client: &Client) -> String {
    let (status, page) = read(client.get(app.url("/lab")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{page}");
    page
}

/// The table row of one scenario on the `/lab` page.
fn row<'a>(page: &'a str, scenario: &str) -> &'a str {
    let marker = format!("<tr id=\"scenario-{scenario}\">");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no row for {scenario}: {page}"));
    let end = start + page[start..].find("</tr>").expect("the row ends");
    &page[start..end]
}

/// One engine's cell of a row (`chromium` or `firefox`).
fn cell<'a>(row: &'a str, engine: &str) -> &'a str {
    let marker = format!("<td class=\"engine-{engine}");
    let start = row.find(&marker).unwrap_or_else(|| panic!("no {engine} cell: {row}"));
    let end = start + row[start..].find("</td>").expect("the cell ends");
    &row[start..end]
}

/// The badges on the `/lab` page, as (scenario, badge text).
fn badges(page: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for scenario in SCENARIOS {
        for piece in row(page, scenario).split("class=\"badge solved\"").skip(1) {
            let text = &piece[piece.find('>').unwrap() + 1..piece.find("</span>").unwrap()];
            found.push((scenario.to_owned(), text.to_owned()));
        }
    }
    found
}

fn badge(scenario: &str, text: &str) -> Vec<(String, String)> {
    vec![(scenario.to_owned(), text.to_owned())]
}
