//! The start page (`/start` on the attacker site), in each engine, with each way a browser's
//! certificate setup can be broken: no lab CA, the CA but no certificate, a certificate that names
//! no user, and ready. The page must name the missing step for what it runs in.

use std::sync::OnceLock;
use std::time::Duration;

use clickjack_lab::pki::Pki;

use crate::attack::{lab, shot_path};
use crate::common::{TestApp, pki, until};
use crate::engine::{Engine, Session, Tab};
use crate::in_both_engines;
use crate::profile::Profile;

/// A certificate from the lab CA for "eve", whom the bank does not know (`eve.p12` beside the
/// run's other users', for a profile to hold).
fn eve() -> &'static str {
    static ISSUED: OnceLock<()> = OnceLock::new();
    ISSUED.get_or_init(|| {
        Pki::load(pki::shared()).expect("the run's PKI").issue_user("eve").expect("eve's certificate");
    });
    "eve"
}

/// What the start page said, in which browser, for which lab.
struct Diagnosis {
    state: String,
    text: String,
    browser: Session,
    tab: Tab,
    _app: TestApp,
}

/// Opens the start page in a browser with `profile` and returns its verdict.
async fn diagnose(engine: Engine, profile: Profile<'_>) -> Diagnosis {
    let app = lab(&[]).await;
    let browser = Session::launch(&app, engine, profile).await;
    let tab = browser.open(&format!("{}/start", app.sites.cross_site)).await;
    let state = "document.getElementById('start-verdict').getAttribute('data-state')";
    until("the start page's verdict", Duration::from_secs(30), async || {
        browser.try_eval(&tab, state).await.is_some_and(|s| s.as_str().is_some_and(|s| s != "pending"))
    })
    .await;
    let state = browser.eval(&tab, state).await.as_str().unwrap().to_owned();
    let text = browser.eval(&tab, "document.getElementById('start-verdict').innerText").await;
    Diagnosis { state, text: text.as_str().unwrap().to_owned(), browser, tab, _app: app }
}

fn no_ca() -> Profile<'static> {
    Profile { user: None, trust_ca: false, third_party_cookies: false }
}

fn ca_only() -> Profile<'static> {
    Profile { user: None, trust_ca: true, third_party_cookies: false }
}

in_both_engines! {
    async fn without_the_lab_ca_the_start_page_says_to_trust_it(engine: Engine) {
        let Diagnosis { state, text, browser, _app, .. } = diagnose(engine, no_ca()).await;
        assert_eq!(state, "no-ca", "{text}");
        assert!(text.contains("does not trust the lab's CA") && text.contains("ca.crt"), "{text}");
        let how = match engine {
            Engine::Chromium => "certutil -d sql:$HOME/.pki/nssdb -A -t \"C,,\"",
            Engine::Firefox => "Authorities",
        };
        assert!(text.contains(how), "the advice for this engine: {text}");
        assert!(text.contains("cargo run --release -- browser"), "{text}");
        browser.close().await;
    }

    async fn with_the_ca_but_no_certificate_the_start_page_says_to_import_one(engine: Engine) {
        let Diagnosis { state, text, browser, _app, .. } = diagnose(engine, ca_only()).await;
        assert_eq!(state, "no-certificate", "{text}");
        assert!(text.contains("presents no certificate") && text.contains("alice.p12"), "{text}");
        let how = match engine {
            Engine::Chromium => "pk12util -d sql:$HOME/.pki/nssdb -i",
            Engine::Firefox => "Your Certificates",
        };
        assert!(text.contains(how), "the advice for this engine: {text}");
        browser.close().await;
    }

    async fn with_a_certificate_that_names_no_user_the_start_page_says_so(engine: Engine) {
        let Diagnosis { state, text, browser, _app, .. } = diagnose(engine, Profile::with_certificate(eve())).await;
        assert_eq!(state, "wrong-certificate", "{text}");
        assert!(text.contains("signs no one in") && text.contains("CN \"eve\""), "{text}");
        browser.close().await;
    }

    async fn with_alices_certificate_the_start_page_says_ready_and_links_the_lab(engine: Engine) {
        let Diagnosis { state, text, browser, tab, _app } = diagnose(engine, Profile::with_certificate("alice")).await;
        assert_eq!(state, "ready", "{text}");
        assert!(text.contains("signs in alice by certificate"), "{text}");
        let href = browser.eval(&tab, "document.getElementById('open-lab').href").await;
        assert!(href.as_str().unwrap().ends_with("/lab"), "{href}");
        browser.screenshot(&tab, &shot_path("start-ready", engine)).await;
        // The link works: the lab page, signed in as alice by her certificate (the README's step 2).
        let lab = browser.open(href.as_str().unwrap()).await;
        until("the lab page", Duration::from_secs(20), async || {
            browser.try_eval(&lab, "document.body ? document.body.innerText : ''").await.is_some_and(|t| {
                t.as_str().is_some_and(|t| t.contains("Signed in as alice by certificate") && t.contains("Basic clickjacking"))
            })
        })
        .await;
        // Over HTTP/2: the bank offers h2 by ALPN and both engines take it.
        let protocol = "performance.getEntriesByType('navigation')[0].nextHopProtocol";
        assert_eq!(browser.eval(&lab, protocol).await, "h2", "the lab page's protocol");
        browser.finish(&lab, &shot_path("lab-page", engine)).await;
    }
}
