//! The exploit server through its own HTTP interface, as a trainee (or an outside check) uses it:
//! store and view byte for byte, every version kept, bad input refused by name, hints one by one,
//! a delivery without a browser told what to install (and its exploit kept), and the bank's pages
//! that show the challenges.

use super::*;

/// A client for the attacker site: plain HTTP, no redirects followed.
fn trainee() -> Client {
    crate::common::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn exploit_url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.sites.cross_site)
}

async fn post(app: &TestApp, client: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let body = Form::new(fields).encode();
    let request =
        client.post(exploit_url(app, path)).header("content-type", "application/x-www-form-urlencoded");
    request.body(body).send().await.unwrap()
}

#[tokio::test]
async fn a_stored_exploit_is_served_byte_for_byte_on_the_attacker_origin_with_its_history() {
    let app = spawn_app(&[]).await;
    let client = trainee();
    let (status, form) =
        read(client.get(exploit_url(&app, "/exploit?challenge=basic")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{form}");
    let bank = app.sites.bank.to_string();
    assert!(form.contains(&format!("{bank}/transfer/confirm")), "the starter names the bank: {form}");
    assert!(form.contains("Make alice send 12.00 to mallory."), "the goal");

    let first = "<!doctype html><p>first</p>";
    let second = "<!doctype html>\n<p>caf\u{e9} \u{2014} <b>second</b> &amp; 'quotes' \"too\"</p>\r\n";
    for body in [first, second] {
        let response =
            post(&app, &client, "/exploit", &[("challenge", "basic"), ("body", body), ("action", "store")])
                .await;
        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), "/exploit?challenge=basic");
    }
    let served = client.get(exploit_url(&app, "/exploit/basic")).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(served.bytes().await.unwrap(), second.as_bytes(), "exactly the stored bytes");
    let ids: Vec<(i64,)> =
        app.fetch_all("SELECT id FROM exploits WHERE challenge = 'basic' ORDER BY id").await;
    assert_eq!(ids.len(), 2, "every version is kept");
    let old =
        client.get(exploit_url(&app, &format!("/exploit/basic?version={}", ids[0].0))).send().await.unwrap();
    assert_eq!(old.text().await.unwrap(), first, "an older version by its number");
    let view =
        post(&app, &client, "/exploit", &[("challenge", "basic"), ("body", first), ("action", "view")]).await;
    assert_eq!(location(&view), "/exploit/basic");
    let (_, form) =
        read(client.get(exploit_url(&app, "/exploit?challenge=basic")).send().await.unwrap()).await;
    assert!(
        form.contains("&#60;p&#62;first&#60;/p&#62;"),
        "the form holds the newest version, escaped: {form}"
    );

    let on_bank = app.client_as("alice").get(app.url("/exploit/basic")).send().await.unwrap();
    assert_eq!(on_bank.status(), 404, "the bank never serves a stored page");
    let same_site = format!("{}/exploit/basic", app.sites.same_site);
    let beside_the_bank = app.client(None).get(same_site).send().await.unwrap();
    assert_eq!(beside_the_bank.status(), 404, "nor does the attacker's listener on the bank's own host");
    let form = client.get(exploit_url(&app, "/exploit?challenge=basic")).send().await.unwrap();
    assert_eq!(
        form.headers()["x-frame-options"],
        "SAMEORIGIN",
        "the exploit server's own pages are not frameable"
    );
    let again =
        post(&app, &client, "/exploit", &[("challenge", "basic"), ("body", first), ("action", "store")])
            .await;
    assert_eq!(again.status(), 303);
    let versions = app.count("SELECT COUNT(*) FROM exploits WHERE challenge = 'basic'").await;
    assert_eq!(versions, 3, "the same page again is not a new version");
    let log = client.get(exploit_url(&app, "/exploit/log")).send().await.unwrap().text().await.unwrap();
    assert!(log.contains("GET /exploit/basic"), "the access log has the views: {log}");
}

#[tokio::test]
async fn bad_input_is_refused_by_name_and_nothing_half_stored() {
    let app = spawn_app(&[]).await;
    let client = trainee();
    let big = "x".repeat(256 * 1024 + 1);
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("challenge", "basic"), ("body", &big), ("action", "store")], 413, "at most 256 KiB"),
        (vec![("challenge", "nope"), ("body", "<p>"), ("action", "store")], 404, "no challenge named"),
        (
            vec![("challenge", "basic"), ("body", "<p>"), ("action", "explode")],
            400,
            "the actions are store, view and deliver",
        ),
        (
            vec![("challenge", "basic"), ("body", "<p>"), ("engine", "lynx"), ("action", "store")],
            400,
            "chromium or firefox",
        ),
    ];
    for (fields, status, says) in cases {
        let (got, page) = read(post(&app, &client, "/exploit", &fields).await).await;
        assert_eq!(got, status, "{page}");
        assert!(page.contains(says), "{says:?} in {page}");
    }
    let raw = client
        .post(exploit_url(&app, "/exploit"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("challenge=basic&action=store&body=%FF%FEnot-utf8")
        .send()
        .await
        .unwrap();
    let (status, page) = read(raw).await;
    assert_eq!(status, 400);
    assert!(page.contains("not UTF-8"), "{page}");
    let elsewhere = client
        .post(exploit_url(&app, "/exploit"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Form::new(&[("challenge", "basic"), ("body", "<p>"), ("action", "store")]).encode())
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 403, "a form posted by another site's page");
    let victim = client
        .post(exploit_url(&app, "/exploit"))
        .header("user-agent", format!("Mozilla/5.0 clickjack-lab-victim/{}", uuid::Uuid::now_v7()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Form::new(&[("challenge", "basic"), ("body", "<p>"), ("action", "deliver")]).encode())
        .send()
        .await
        .unwrap();
    assert_eq!(victim.status(), 403, "the victim's own browser delivers nothing");
    assert_eq!(app.count("SELECT COUNT(*) FROM exploits").await, 0, "nothing was stored");
    let (status, page) =
        read(client.get(exploit_url(&app, "/exploit/multistep")).send().await.unwrap()).await;
    assert_eq!(status, 404);
    assert!(page.contains("No exploit is stored for multistep"), "{page}");
    let (status, _) =
        read(client.get(exploit_url(&app, "/exploit/runs/not-a-run.json")).send().await.unwrap()).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn without_a_browser_a_delivery_says_what_to_install_and_the_exploit_is_kept() {
    let app = spawn_app(&[("LAB_CHROMIUM", "/nonexistent/chromium")]).await;
    let client = trainee();
    let fields =
        [("challenge", "basic"), ("body", "<p>Click me</p>"), ("engine", "chromium"), ("action", "deliver")];
    let (status, page) = read(post(&app, &client, "/exploit", &fields).await).await;
    assert_eq!(status, 503, "{page}");
    assert!(page.contains("Your exploit is stored") && page.contains("LAB_CHROMIUM"), "{page}");
    assert_eq!(app.count("SELECT COUNT(*) FROM exploits").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM victim_runs").await, 0, "no delivery was queued");
    let (_, form) =
        read(client.get(exploit_url(&app, "/exploit?challenge=basic")).send().await.unwrap()).await;
    assert!(form.contains("LAB_CHROMIUM=/nonexistent/chromium"), "the form says why chromium is off: {form}");
}

#[tokio::test]
async fn hints_open_one_by_one_and_the_lab_page_counts_them_with_each_challenge() {
    let app = spawn_app(&[]).await;
    let client = trainee();
    for expected in [1, 2, 3, 3] {
        let response = post(&app, &client, "/exploit/hint", &[("challenge", "framebuster")]).await;
        assert_eq!(response.status(), 303);
        let opened =
            app.count("SELECT hints_opened FROM challenge_hints WHERE challenge = 'framebuster'").await;
        assert_eq!(opened, expected);
    }
    let (_, form) =
        read(client.get(exploit_url(&app, "/exploit?challenge=framebuster")).send().await.unwrap()).await;
    assert!(form.contains("Hint 3.") && !form.contains("Open hint"), "all three open, no fourth");
    assert!(!form.contains("/framebuster.html"), "the solution stays behind its button");
    post(&app, &client, "/exploit/solution", &[("challenge", "framebuster")]).await;
    let (_, form) =
        read(client.get(exploit_url(&app, "/exploit?challenge=framebuster")).send().await.unwrap()).await;
    assert!(form.contains("href=\"/framebuster.html\""), "the worked solution: {form}");

    let alice = app.client_as("alice");
    let (status, lab) = read(alice.get(app.url("/lab")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    for id in ["basic", "prefilled", "framebuster", "multistep", "doubleclick"] {
        assert!(lab.contains(&format!("id=\"challenge-{id}\"")), "{id} on /lab");
    }
    let row = lab.split("id=\"challenge-framebuster\"").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("3 of 3 hints") && row.contains("solution shown"), "{row}");
    let (status, panel) =
        read(alice.get(app.url("/lab/protections?challenge=basic")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(panel.contains("id=\"challenge-protections\""), "the panel offers the challenge's set");
    let frame = panel.split("id=\"LAB_FRAME\"").nth(1).unwrap().split("</select>").next().unwrap();
    assert!(frame.contains("value=\"off\" selected"), "LAB_FRAME off is preselected: {frame}");
}
