//! Frame policies that look protective and are not (`LAB_FRAME=meta|allow-from|report-only`), and
//! the header quirks (`xfo-conflict|xfo-list|xfo-typo|csp-typo|csp-wildcard`): the headers and
//! markup each sends, the footer that calls them off, and the report-only policy's
//! report endpoint (`POST /csp-report`), which must take what a browser sends and never fail.

use reqwest::Response;
use reqwest::header::HeaderMap;

use crate::common::{TestApp, spawn_app};
use crate::helpers::{audit_log, escape, read};

const CONFIRM: &str = "/transfer/confirm?to=mallory&amount=1.00&memo=x";

/// alice's confirmation page: its headers and HTML.
async fn confirmation_page(app: &TestApp) -> (HeaderMap, String) {
    let response = app.client_as("alice").get(app.url(CONFIRM)).send().await.unwrap();
    let headers = response.headers().clone();
    let (status, page) = read(response).await;
    assert_eq!(status, 200, "{page}");
    (headers, page)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().expect("ASCII header"))
}

/// The value of one directive of the enforced CSP.
fn enforced<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let csp = header(headers, "content-security-policy").expect("every page has a CSP");
    csp.split(';').map(str::trim).find_map(|d| d.strip_prefix(name).map(str::trim))
}

fn assert_footer_says_off(page: &str, mode: &str) {
    let flag = format!("<span class=\"flag off\">LAB_FRAME={mode}</span>");
    assert!(page.contains(&flag), "{flag} not in {page}");
}

/// A CSP violation report as Chromium's `report-uri` sends it: no Origin, no token, its own type.
async fn post_report(app: &TestApp, body: &str) -> Response {
    app.client_as("alice")
        .post(app.url("/csp-report"))
        .header("Content-Type", "application/csp-report")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

fn chromium_report(app: &TestApp) -> String {
    serde_json::json!({
        "csp-report": {
            "document-uri": app.url(CONFIRM),
            "referrer": "",
            "violated-directive": "frame-ancestors",
            "effective-directive": "frame-ancestors",
            "original-policy": "frame-ancestors 'none'; report-uri /csp-report",
            "disposition": "report",
            "blocked-uri": app.url(CONFIRM),
            "status-code": 0,
            "script-sample": ""
        }
    })
    .to_string()
}

#[tokio::test]
async fn meta_puts_frame_ancestors_in_a_meta_tag_and_sends_no_frame_header() {
    let app = spawn_app(&[("LAB_FRAME", "meta")]).await;

    let (headers, page) = confirmation_page(&app).await;

    assert_eq!(header(&headers, "x-frame-options"), None);
    assert_eq!(enforced(&headers, "frame-ancestors"), None);
    assert!(enforced(&headers, "default-src").is_some(), "the rest of the CSP stays");
    assert!(
        page.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"frame-ancestors &#39;none&#39;\">"
        ),
        "{page}"
    );
    assert_footer_says_off(&page, "meta");
}

#[tokio::test]
async fn allow_from_sends_the_obsolete_x_frame_options_form() {
    let app = spawn_app(&[("LAB_FRAME", "allow-from")]).await;

    let (headers, page) = confirmation_page(&app).await;

    assert_eq!(header(&headers, "x-frame-options"), Some("ALLOW-FROM https://partner.example"));
    assert_eq!(enforced(&headers, "frame-ancestors"), None);
    assert!(!page.contains("http-equiv"), "{page}");
    assert_footer_says_off(&page, "allow-from");
}

#[tokio::test]
async fn allow_from_names_the_first_of_lab_frame_ancestors() {
    let app =
        spawn_app(&[("LAB_FRAME", "allow-from"), ("LAB_FRAME_ANCESTORS", "https://partner.test")]).await;

    let (headers, _) = confirmation_page(&app).await;

    assert_eq!(header(&headers, "x-frame-options"), Some("ALLOW-FROM https://partner.test"));
}

#[tokio::test]
async fn report_only_reports_and_enforces_nothing() {
    let app = spawn_app(&[("LAB_FRAME", "report-only")]).await;

    let (headers, page) = confirmation_page(&app).await;

    assert_eq!(
        header(&headers, "content-security-policy-report-only"),
        Some("frame-ancestors 'none'; report-uri /csp-report")
    );
    assert_eq!(header(&headers, "x-frame-options"), None);
    assert_eq!(enforced(&headers, "frame-ancestors"), None);
    assert_footer_says_off(&page, "report-only");
}

#[tokio::test]
async fn a_browsers_csp_report_is_accepted_without_origin_or_token_and_audited() {
    // Arrange: the protections at their defaults apart from the frame policy.
    let app = spawn_app(&[("LAB_FRAME", "report-only")]).await;

    // Act
    let response = post_report(&app, &chromium_report(&app)).await;

    // Assert
    let (status, body) = read(response).await;
    assert_eq!(status, 204, "{body}");
    let log = audit_log(&app).await;
    assert_eq!(log.len(), 1, "{log:#?}");
    let (method, path, _, reason, status) = &log[0];
    assert_eq!((method.as_str(), path.as_str(), *status), ("POST", "/csp-report", 204));
    assert!(reason.contains("CSP report") && reason.contains("frame-ancestors"), "{reason}");
    assert!(reason.contains(&app.url(CONFIRM)), "{reason}");
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);
    let audit_page = read(app.client_as("alice").get(app.url("/audit")).send().await.unwrap()).await.1;
    assert!(audit_page.contains("CSP report (report-only: nothing was blocked)"), "{audit_page}");
}

#[tokio::test]
async fn the_other_modes_send_no_report_only_policy_and_take_no_reports() {
    for mode in ["deny", "off", "meta", "allow-from"] {
        let app = spawn_app(&[("LAB_FRAME", mode)]).await;

        let (headers, _) = confirmation_page(&app).await;
        let (status, page) = read(post_report(&app, &chromium_report(&app)).await).await;

        assert_eq!(header(&headers, "content-security-policy-report-only"), None, "{mode}");
        assert_eq!(status, 404, "{mode}: {page}");
    }
}

#[tokio::test]
async fn a_report_is_shown_escaped_on_the_audit_page() {
    let app = spawn_app(&[("LAB_FRAME", "report-only")]).await;
    let hostile = serde_json::json!({
        "csp-report": {
            "document-uri": "<script>alert(1)</script>",
            "violated-directive": "frame-ancestors",
            "blocked-uri": "\"><img src=x onerror=alert(2)>"
        }
    });

    let (status, _) = read(post_report(&app, &hostile.to_string()).await).await;
    let (_, page) = read(app.client_as("alice").get(app.url("/audit")).send().await.unwrap()).await;

    assert_eq!(status, 204);
    assert!(!page.contains("<script>alert(1)") && !page.contains("<img src=x"), "{page}");
    assert!(page.contains(&escape("<script>alert(1)</script>")), "{page}");
}

#[tokio::test]
async fn a_malformed_csp_report_is_a_400_never_a_500() {
    let app = spawn_app(&[("LAB_FRAME", "report-only")]).await;
    for body in ["", "{", "not json", "{\"csp-report\": ", "\u{0}\u{1}"] {
        let (status, page) = read(post_report(&app, body).await).await;

        assert_eq!(status, 400, "{body:?}: {page}");
    }
    // JSON that is not a report is no server error either.
    for body in ["[]", "42", "{}", "{\"csp-report\": {\"violated-directive\": 7}}"] {
        let (status, page) = read(post_report(&app, body).await).await;

        assert!(status < 500, "{body:?}: {status} {page}");
    }
}

#[tokio::test]
async fn each_header_quirk_sends_exactly_its_headers_and_the_footer_says_whether_it_holds() {
    // (mode, X-Frame-Options headers in order, enforced frame-ancestors, whether it fails closed)
    let quirks: [(&str, &[&str], Option<&str>, bool); 5] = [
        ("xfo-conflict", &["DENY", "ALLOWALL"], None, true),
        ("xfo-list", &["SAMEORIGIN, ALLOW-FROM https://partner.example"], None, true),
        ("xfo-typo", &["DENY;"], None, false),
        ("csp-typo", &[], Some("'nonne'"), true),
        ("csp-wildcard", &["DENY"], Some("*"), false),
    ];
    for (mode, xfo, ancestors, closed) in quirks {
        let app = spawn_app(&[("LAB_FRAME", mode)]).await;

        let (headers, page) = confirmation_page(&app).await;

        let sent: Vec<&str> =
            headers.get_all("x-frame-options").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(sent, xfo, "{mode}");
        assert_eq!(enforced(&headers, "frame-ancestors"), ancestors, "{mode}");
        assert_eq!(headers.get_all("content-security-policy").iter().count(), 1, "{mode}: one CSP");
        assert!(!page.contains("http-equiv"), "{mode}");
        let flag =
            format!("<span class=\"flag {}\">LAB_FRAME={mode}</span>", if closed { "on" } else { "off" });
        assert!(page.contains(&flag), "{mode}: {flag} not in the footer");
    }
}
