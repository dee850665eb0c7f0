//! What each engine shows when its certificate setup is broken, measured, so the README's
//! troubleshooting table names the errors a trainee really meets: the bank opened at top level
//! without the lab CA, and with the CA but no certificate.

use std::time::Duration;

use crate::attack::lab;
use crate::common::until;
use crate::engine::{Engine, Session};
use crate::in_both_engines;
use crate::profile::Profile;

/// The error code the engine's error page shows for the bank, opened from the attacker site.
async fn error_code(engine: Engine, profile: Profile<'_>) -> String {
    let app = lab(&[]).await;
    let browser = Session::launch(&app, engine, profile).await;
    let tab = browser.open(&format!("{}/", app.sites.cross_site)).await;
    browser.eval(&tab, &format!("(window.location.href = {:?}, 1)", app.url("/"))).await;
    // Chromium's error page shows the code in its text; Firefox's names it in its address.
    let js = "document.documentURI + ' ' + (document.body ? document.body.innerText : '')";
    let mut seen = String::new();
    until("the engine's error page", Duration::from_secs(20), async || {
        seen =
            browser.try_eval(&tab, js).await.and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        seen.contains("ERR_") || seen.contains("about:neterror") || seen.contains("about:certerror")
    })
    .await;
    browser.close().await;
    // Chromium: the code in the page's text. Firefox: the kind of error page, in its address
    // (`about:certerror?e=nssBadCert`); its text is not readable by WebDriver.
    let firefox_kind = seen.split("?e=").nth(1).and_then(|rest| rest.split('&').next());
    let chromium_code =
        seen.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).find(|w| w.starts_with("ERR_"));
    chromium_code.or(firefox_kind).map_or(seen.clone(), str::to_owned)
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

in_both_engines! {
    async fn the_readme_names_the_error_each_engine_shows_without_the_lab_ca(engine: Engine) {
        let code = error_code(engine, Profile { trust_ca: false, ..Profile::default() }).await;
        eprintln!("{engine:?} without the CA: {code}");
        assert!(readme().contains(&format!("`{code}`")), "the README's troubleshooting names {code}");
    }

    async fn the_readme_names_the_error_each_engine_shows_without_a_certificate(engine: Engine) {
        let code = error_code(engine, Profile::default()).await;
        eprintln!("{engine:?} without a certificate: {code}");
        assert!(readme().contains(&format!("`{code}`")), "the README's troubleshooting names {code}");
    }
}
