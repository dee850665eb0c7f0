//! The `/lab` page: every scenario, its expected outcome per engine, the visitor's engine.

use super::*;

#[tokio::test]
async fn the_lab_page_lists_every_scenario_blocked_by_the_defaults_naming_the_flags() {
    let app = spawn_app(&[]).await;
    let client = app.client_as("alice");

    let page = lab_page(&app, &client).await;

    let expected_blocks: [(&str, &[&str]); 8] = [
        ("basic", &["LAB_FRAME=deny", "LAB_FETCH_METADATA=on"]),
        ("multistep", &["LAB_FRAME=deny", "LAB_FETCH_METADATA=on"]),
        (
            "framebuster",
            &["LAB_FRAME=deny", "LAB_GESTURE_GUARD=on", "LAB_FETCH_METADATA=on", "LAB_ORIGIN_CHECK=on"],
        ),
        ("csrf", &["LAB_ORIGIN_CHECK=on", "LAB_CSRF_TOKEN=on"]),
        ("doubleclick", &["LAB_GESTURE_GUARD=on"]),
        ("misconfig", &["LAB_FRAME=deny", "LAB_FETCH_METADATA=on"]),
        ("svg-filter", &["LAB_FRAME=deny", "LAB_FETCH_METADATA=on"]),
        ("cursorjack", &["LAB_FRAME=deny", "LAB_FETCH_METADATA=on"]),
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
        let origin =
            if scenario == "samesite" { app.sites.same_site.as_str() } else { app.sites.cross_site.as_str() };
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
