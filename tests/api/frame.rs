//! The frame-deny headers for each `LAB_FRAME` value, on the page clickjacking targets and on an
//! error page, and the security headers that stay on whatever the flags say.

use reqwest::header::HeaderMap;

use crate::common::{TestApp, spawn_app};

const CONFIRM: &str = "/transfer/confirm?to=mallory&amount=1.00&memo=x";

/// The headers of the confirmation page and of a 404 page, as alice sees them.
async fn headers_of_pages(app: &TestApp) -> Vec<(&'static str, HeaderMap)> {
    let client = app.client_as("alice");
    let confirm = client.get(app.url(CONFIRM)).send().await.unwrap();
    assert_eq!(confirm.status(), 200);
    let missing = client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    vec![("confirmation page", confirm.headers().clone()), ("404 page", missing.headers().clone())]
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().expect("ASCII header"))
}

fn csp(headers: &HeaderMap) -> &str {
    header(headers, "content-security-policy").expect("every page has a CSP")
}

/// The value of one CSP directive.
fn directive<'a>(csp: &'a str, name: &str) -> Option<&'a str> {
    csp.split(';').map(str::trim).find_map(|d| d.strip_prefix(name).map(str::trim))
}

fn assert_always_on_headers(page: &str, headers: &HeaderMap) {
    assert_eq!(header(headers, "x-content-type-options"), Some("nosniff"), "{page}");
    assert_eq!(header(headers, "referrer-policy"), Some("same-origin"), "{page}");
    assert_eq!(header(headers, "cache-control"), Some("no-store"), "{page}");
    assert_eq!(directive(csp(headers), "default-src"), Some("'self'"), "{page}");
    assert_eq!(directive(csp(headers), "script-src"), Some("'self'"), "{page}");
}

#[tokio::test]
async fn deny_sends_x_frame_options_deny_and_frame_ancestors_none() {
    let app = spawn_app(&[("LAB_FRAME", "deny")]).await;
    for (page, headers) in headers_of_pages(&app).await {
        assert_eq!(header(&headers, "x-frame-options"), Some("DENY"), "{page}");
        assert_eq!(directive(csp(&headers), "frame-ancestors"), Some("'none'"), "{page}");
        assert_always_on_headers(page, &headers);
    }
}

#[tokio::test]
async fn deny_is_the_default() {
    let app = spawn_app(&[]).await;
    for (page, headers) in headers_of_pages(&app).await {
        assert_eq!(header(&headers, "x-frame-options"), Some("DENY"), "{page}");
        assert_eq!(directive(csp(&headers), "frame-ancestors"), Some("'none'"), "{page}");
    }
}

#[tokio::test]
async fn sameorigin_sends_x_frame_options_sameorigin_and_frame_ancestors_self() {
    let app = spawn_app(&[("LAB_FRAME", "sameorigin")]).await;
    for (page, headers) in headers_of_pages(&app).await {
        assert_eq!(header(&headers, "x-frame-options"), Some("SAMEORIGIN"), "{page}");
        assert_eq!(directive(csp(&headers), "frame-ancestors"), Some("'self'"), "{page}");
        assert_always_on_headers(page, &headers);
    }
}

#[tokio::test]
async fn allowlist_lists_the_origins_in_frame_ancestors_and_sends_no_x_frame_options() {
    let app = spawn_app(&[
        ("LAB_FRAME", "allowlist"),
        ("LAB_FRAME_ANCESTORS", "https://partner.test http://127.0.0.1:9000"),
    ])
    .await;
    for (page, headers) in headers_of_pages(&app).await {
        assert_eq!(header(&headers, "x-frame-options"), None, "XFO cannot express a list: {page}");
        assert_eq!(
            directive(csp(&headers), "frame-ancestors"),
            Some("'self' https://partner.test http://127.0.0.1:9000"),
            "{page}"
        );
        assert_always_on_headers(page, &headers);
    }
}

#[tokio::test]
async fn off_sends_no_frame_headers_but_keeps_the_other_security_headers() {
    let app = spawn_app(&[("LAB_FRAME", "off")]).await;
    for (page, headers) in headers_of_pages(&app).await {
        assert_eq!(header(&headers, "x-frame-options"), None, "{page}");
        assert_eq!(directive(csp(&headers), "frame-ancestors"), None, "{page}");
        assert_always_on_headers(page, &headers);
    }
}

#[tokio::test]
async fn the_protections_off_preset_turns_the_frame_headers_off() {
    let app = spawn_app(&[("LAB_PROTECTIONS", "off")]).await;
    for (page, headers) in headers_of_pages(&app).await {
        assert_eq!(header(&headers, "x-frame-options"), None, "{page}");
        assert_eq!(directive(csp(&headers), "frame-ancestors"), None, "{page}");
        assert_always_on_headers(page, &headers);
    }
}
