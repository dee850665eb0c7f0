//! The lab: solve detection (how each confirmation page was loaded, and the transfer it led to),
//! the `/lab` page with every scenario, its expected outcome and its badges, and the reset (the
//! protected `POST /lab/reset` and the `reset` command).

use std::time::Duration;

use reqwest::Client;
use uuid::Uuid;

use crate::common::{TestApp, spawn_app};
use crate::helpers::{
    Form, FormBody, SEEDED, audit_log, balances, get_confirm_with, hidden_fields, lab_binary, location, read,
    run_binary, submit, submit_with,
};

/// The scenario ids, as the attack pages tag their links.
const SCENARIOS: [&str; 8] =
    ["basic", "multistep", "framebuster", "csrf", "doubleclick", "misconfig", "samesite", "cookie-session"];

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

/// alice's confirmation of 250.00 to mallory, tagged with `scenario`, loaded with `headers`: the
/// form it renders (hidden fields, scenario included).
async fn render(app: &TestApp, client: &Client, scenario: &str, headers: &[(&str, &str)]) -> Form {
    let query = [("to", "mallory"), ("amount", "250.00"), ("memo", "Prize"), ("scenario", scenario)];
    let (status, page) = read(get_confirm_with(app, client, &query, headers).await).await;
    assert_eq!(status, 200, "{page}");
    let form = hidden_fields(&page, "/transfer");
    assert_eq!(form.get("scenario"), Some(scenario), "the tag travels in the form");
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

/// What the lab concluded about the one transfer: (detection, scenario).
async fn verdict(app: &TestApp) -> (Option<String>, Option<String>) {
    app.fetch_one("SELECT detection, scenario FROM transfers").await
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

#[tokio::test]
async fn a_transfer_confirmed_in_a_cross_site_frame_is_detected_as_framed() {
    // Arrange: Fetch Metadata would refuse the framed page; the frame headers are the browser's business.
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");

    // Act
    let form = render(&app, &client, "basic", FRAMED).await;
    click(&app, &client, &form, "iframe").await;

    // Assert
    assert_eq!(verdict(&app).await, (Some("framed".into()), Some("basic".into())));
    let page = lab_page(&app, &client).await;
    assert_eq!(badges(&page), badge("basic", "solved (framed)"));
    let (.., reason, _) = &audit_log(&app).await[0];
    assert!(
        reason.contains("the lab detected an attack: confirmed from a page the bank rendered inside"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_framed_multistep_transfer_is_detected_through_both_steps() {
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");
    let query = [("to", "mallory"), ("amount", "600.00"), ("memo", "Wheel"), ("scenario", "multistep")];
    let page = read(get_confirm_with(&app, &client, &query, FRAMED).await).await.1;
    let first = hidden_fields(&page, "/transfer");
    let headers = [("Sec-Fetch-Dest", "iframe"), ("Sec-Fetch-Site", "same-origin")];

    let (status, second) = read(submit_with(&app, &client, "/transfer", &first, &headers).await).await;
    assert_eq!(status, 200, "the 'Are you sure?' step: {second}");
    click(&app, &client, &hidden_fields(&second, "/transfer"), "iframe").await;

    assert_eq!(verdict(&app).await, (Some("framed".into()), Some("multistep".into())));
    assert_eq!(badges(&lab_page(&app, &client).await), badge("multistep", "solved (framed)"));
}

#[tokio::test]
async fn a_request_id_the_bank_never_rendered_is_detected_as_forged() {
    // Arrange: the two defences against CSRF off; the rest at their defaults.
    let app = spawn_app(&[("LAB_ORIGIN_CHECK", "off"), ("LAB_CSRF_TOKEN", "off")]).await;
    let client = app.client_as("alice");
    let request_id = Uuid::new_v4().to_string();
    let forged = Form::new(&[
        ("to", "mallory"),
        ("amount", "100.00"),
        ("memo", "Coupon"),
        ("request_id", &request_id),
        ("scenario", "csrf"),
    ]);
    let before = lab_page(&app, &client).await;
    assert!(
        row(&before, "csrf").contains("succeeds"),
        "lab::expect under these flags: {}",
        row(&before, "csrf")
    );

    // Act: the attacker's auto-submitting form, top level, from another site.
    let response = client
        .post(app.url("/transfer"))
        .header("Origin", &app.attacker_url)
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Dest", "document")
        .header("Sec-Fetch-Mode", "navigate")
        .form_body(&forged)
        .send()
        .await
        .unwrap();

    // Assert: it went through, as the lab page said it would, and was recognised.
    assert_eq!(response.status(), 303);
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(&app).await, (alice - 10_000, bob, mallory + 10_000));
    assert_eq!(verdict(&app).await, (Some("forged".into()), Some("csrf".into())));
    assert_eq!(badges(&lab_page(&app, &client).await), badge("csrf", "solved (forged)"));
}

#[tokio::test]
async fn a_page_another_site_opened_and_confirmed_at_once_is_detected_as_the_popup_path() {
    // The defaults: Fetch Metadata lets a top-level page load from another site through.
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");

    let form = render(&app, &client, "doubleclick", FROM_ELSEWHERE).await;
    click(&app, &client, &form, "document").await;

    assert_eq!(verdict(&app).await, (Some("popup".into()), Some("doubleclick".into())));
    assert_eq!(badges(&lab_page(&app, &client).await), badge("doubleclick", "solved (popup)"));
}

#[tokio::test]
async fn a_page_another_site_opened_and_confirmed_after_reading_it_is_no_attack() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let form = render(&app, &client, "doubleclick", FROM_ELSEWHERE).await;

    // Longer than QUICK_MS (1.5 s) in src/lab/solves.rs: a person who read the page.
    tokio::time::sleep(Duration::from_millis(1_700)).await;
    click(&app, &client, &form, "document").await;

    assert_eq!(verdict(&app).await, (None, Some("doubleclick".into())));
    assert_eq!(badges(&lab_page(&app, &client).await), vec![]);
}

#[tokio::test]
async fn a_page_opened_from_the_bank_itself_is_no_attack() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    for headers in [FROM_THE_BANK, &[][..]] {
        let form = render(&app, &client, "basic", headers).await;
        click(&app, &client, &form, "document").await;
    }

    let verdicts: Vec<(Option<String>, Option<String>)> =
        app.fetch_all("SELECT detection, scenario FROM transfers").await;
    assert_eq!(verdicts, vec![(None, Some("basic".into())); 2]);
    assert_eq!(badges(&lab_page(&app, &client).await), vec![]);
}

#[tokio::test]
async fn an_unknown_scenario_tag_is_dropped_not_stored() {
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");
    let query = [("to", "mallory"), ("amount", "1.00"), ("memo", ""), ("scenario", "<script>x</script>")];
    let page = read(get_confirm_with(&app, &client, &query, FRAMED).await).await.1;
    let form = hidden_fields(&page, "/transfer");
    assert_eq!(form.get("scenario"), Some(""));

    click(&app, &client, &form.with("scenario", "no-such-scenario"), "iframe").await;

    assert_eq!(verdict(&app).await, (Some("framed".into()), None));
    assert_eq!(badges(&lab_page(&app, &client).await), vec![]);
}

#[tokio::test]
async fn the_lab_page_lists_every_scenario_blocked_by_the_defaults_naming_the_flags() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");

    let page = lab_page(&app, &client).await;

    let expected_blocks: [(&str, &[&str]); 6] = [
        ("basic", &["LAB_FRAME=deny", "LAB_FETCH_METADATA=on"]),
        ("multistep", &["LAB_FRAME=deny", "LAB_FETCH_METADATA=on"]),
        (
            "framebuster",
            &["LAB_FRAME=deny", "LAB_GESTURE_GUARD=on", "LAB_FETCH_METADATA=on", "LAB_ORIGIN_CHECK=on"],
        ),
        ("csrf", &["LAB_ORIGIN_CHECK=on", "LAB_CSRF_TOKEN=on"]),
        ("doubleclick", &["LAB_GESTURE_GUARD=on"]),
        ("misconfig", &["LAB_FRAME=deny", "LAB_FETCH_METADATA=on"]),
    ];
    // A password session needs LAB_MTLS=optional|off: under the default there is none to attack.
    for scenario in ["samesite", "cookie-session"] {
        let row = row(&page, scenario);
        assert!(row.contains("<span class=\"expect-na\">not applicable</span>"), "{scenario}: {row}");
        assert!(row.contains("LAB_MTLS=optional"), "{scenario}: {row}");
        assert!(!row.contains("succeeds") && !row.contains("<li><code>"), "{scenario}: {row}");
    }
    for (scenario, flags) in expected_blocks {
        let whole = row(&page, scenario);
        for engine in ["chromium", "firefox"] {
            let row = cell(whole, engine);
            assert!(row.contains("<span class=\"expect-blocked\">blocked</span>"), "{scenario}: {row}");
            assert!(!row.contains("succeeds"), "{scenario}: {row}");
            for flag in flags {
                assert!(
                    row.contains(&format!("<li><code>{flag}</code>: ")),
                    "{scenario}: {flag} not in {row}"
                );
            }
            let named = row.matches("<li><code>").count();
            assert_eq!(named, flags.len(), "{scenario} in {engine}: exactly {flags:?}: {row}");
        }
        let row = whole;
        let origin = if scenario == "samesite" { &app.samesite_attacker_url } else { &app.attacker_url };
        assert!(row.contains(&format!("href=\"{origin}/{scenario}.html\"")), "{scenario}: {row}");
    }
    assert_eq!(page.matches("<tr id=\"scenario-").count(), SCENARIOS.len(), "no other rows");
    assert!(page.contains("signed in by certificate"), "{page}");
}

#[tokio::test]
async fn with_the_protections_off_the_basic_attack_succeeds_as_the_lab_page_says() {
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;
    let client = app.client_as("alice");

    let page = lab_page(&app, &client).await;
    let form = render(&app, &client, "basic", FRAMED).await;
    click(&app, &client, &form, "iframe").await;

    let basic = row(&page, "basic");
    assert!(basic.contains("<span class=\"expect-succeeds\">succeeds: the money moves</span>"), "{basic}");
    assert!(!basic.contains("<li>"), "{basic}");
    let (alice, bob, mallory) = SEEDED;
    assert_eq!(balances(&app).await, (alice - 25_000, bob, mallory + 25_000));
    assert_eq!(verdict(&app).await, (Some("framed".into()), Some("basic".into())));
}

#[tokio::test]
async fn the_cookie_session_row_shows_the_third_party_cookie_difference() {
    let app = spawn_app(&[("LAB_MTLS", "optional"), ("LAB_PROTECTIONS", "off")]).await;

    let anonymous = lab_page(&app, &app.client(None)).await;
    let with_cert = lab_page(&app, &app.client_as("alice")).await;

    for page in [&anonymous, &with_cert] {
        let row = row(page, "cookie-session");
        assert!(row.contains("password session"), "{row}");
        // Each engine's own reason: Chromium blocks third-party cookies, Firefox partitions them.
        for (engine, reason) in [
            ("chromium", "browser: third-party cookies blocked"),
            ("firefox", "browser: Total Cookie Protection"),
        ] {
            let cell = cell(row, engine);
            assert!(cell.contains("<span class=\"expect-blocked\">blocked</span>"), "{cell}");
            assert!(cell.contains(&format!("<code>{reason}</code>")), "{cell}");
            assert!(cell.contains("With third-party cookies allowed: succeeds."), "{cell}");
        }
    }
    // Beside it, the certificate: no cookie setting protects it.
    let basic = row(&with_cert, "basic");
    assert!(basic.contains("certificate") && basic.contains("succeeds: the money moves"), "{basic}");
    assert!(!basic.contains("third-party"), "{basic}");
}

#[tokio::test]
async fn the_lab_page_highlights_the_visitors_engine() {
    let app = spawn_app(&[]).await;
    let as_browser = async |user_agent: &str| {
        let response = app
            .client_as("alice")
            .get(app.url("/lab"))
            .header("User-Agent", user_agent)
            .send()
            .await
            .unwrap();
        read(response).await.1
    };
    let firefox = as_browser("Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0").await;
    assert!(firefox.contains("<th class=\"engine-firefox yours\">Firefox (yours)</th>"), "{firefox}");
    assert!(firefox.contains("<th class=\"engine-chromium\">"), "{firefox}");
    assert!(cell(row(&firefox, "basic"), "firefox").starts_with("<td class=\"engine-firefox yours\">"));
    assert!(firefox.contains("Your browser is <strong>Firefox</strong>"), "{firefox}");

    let chrome = as_browser(
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
    )
    .await;
    assert!(
        chrome.contains("<th class=\"engine-chromium yours\">Chromium (Chrome, Edge) (yours)</th>"),
        "{chrome}"
    );
    assert!(!chrome.contains("engine-firefox yours"), "{chrome}");

    let other = as_browser("curl/8.5.0").await;
    assert!(!other.contains(" yours\"") && !other.contains("(yours)"), "{other}");
    assert!(other.contains("neither engine measured here"), "{other}");
    // Where the engines differ, each cell says how.
    let misconfig = row(&firefox, "misconfig");
    assert!(cell(misconfig, "firefox").contains("without a client certificate"), "{misconfig}");
    assert!(cell(misconfig, "chromium").contains("sent with your certificate"), "{misconfig}");
    // Either way, the settings that change the picture are named.
    for page in [&firefox, &chrome, &other] {
        assert!(
            page.contains("Third-party cookies") && page.contains("security.default_personal_cert"),
            "{page}"
        );
    }
}

/// Moves money in a way that earns a badge (Fetch Metadata must be off), then shows the badge.
async fn earn_a_badge(app: &TestApp, client: &Client) {
    let form = render(app, client, "basic", FRAMED).await;
    click(app, client, &form, "iframe").await;
    assert_eq!(badges(&lab_page(app, client).await), badge("basic", "solved (framed)"));
}

#[tokio::test]
async fn the_reset_restores_balances_and_clears_transfers_badges_and_the_audit_log() {
    // Arrange
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");
    earn_a_badge(&app, &client).await;
    let reset_form = hidden_fields(&lab_page(&app, &client).await, "/lab/reset");
    assert!(reset_form.get("csrf_token").is_some(), "{reset_form:?}");

    // Act
    let response = submit(&app, &client, "/lab/reset", &reset_form).await;

    // Assert
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/lab");
    assert_eq!(balances(&app).await, SEEDED);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM renders").await, 0);
    let log = audit_log(&app).await;
    assert_eq!(log.len(), 1, "only the reset's own event: {log:#?}");
    let (method, path, _, reason, status) = &log[0];
    assert_eq!((method.as_str(), path.as_str(), *status), ("POST", "/lab/reset", 303));
    assert!(reason.contains("the lab was reset"), "{reason}");
    assert_eq!(badges(&lab_page(&app, &client).await), vec![]);
}

#[tokio::test]
async fn the_reset_is_a_protected_post() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");
    let form = hidden_fields(&lab_page(&app, &client).await, "/lab/reset");
    let confirmation = crate::helpers::confirm(&app, &client, "bob", "10.00", "").await;
    assert_eq!(submit(&app, &client, "/transfer", &confirmation.form).await.status(), 303);
    let moved = balances(&app).await;

    let tokenless = submit(&app, &client, "/lab/reset", &Form::default()).await;
    let cross_site = client
        .post(app.url("/lab/reset"))
        .header("Origin", &app.attacker_url)
        .form_body(&form)
        .send()
        .await
        .unwrap();

    let (status, page) = read(tokenless).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Refused by the CSRF token check"), "{page}");
    let (status, page) = read(cross_site).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Refused by the origin check"), "{page}");
    assert_eq!(balances(&app).await, moved, "nothing was reset");
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 1);
}

#[tokio::test]
async fn the_reset_command_resets_the_database_file() {
    // Arrange: money moved and a badge earned in a running lab.
    let app = spawn_app(&[("LAB_FETCH_METADATA", "off")]).await;
    let client = app.client_as("alice");
    earn_a_badge(&app, &client).await;
    assert_ne!(balances(&app).await, SEEDED);

    // Act: `clickjack-lab reset` on the same files (the test app keeps its temp dir until dropped).
    let command = {
        let mut command = lab_binary(app.dir(), &[]);
        command.arg("reset");
        command
    };
    let output = tokio::task::spawn_blocking(move || run_binary(command)).await.unwrap();

    // Assert
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout} {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("restored the seeded balances; cleared transfers"), "{stdout}");
    assert_eq!(balances(&app).await, SEEDED);
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, 0);
    assert_eq!(badges(&lab_page(&app, &client).await), vec![], "the running bank sees the reset");
}
