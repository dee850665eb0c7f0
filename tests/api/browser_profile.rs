//! The lab-owned browser profiles of `clickjack-lab browser` (and of the browser tests): what
//! they hold, and when they are reused or rebuilt. NSS's real certutil reads them back; no
//! browser is started here (tests/browser does that).

use std::path::Path;
use std::process::Command;

use clickjack_lab::browser::command::profiles_dir;
use clickjack_lab::browser::profile::{self, Made, Recipe};
use clickjack_lab::lab::Engine;

use crate::common::spawn_app;

/// Whether certutil is here (under `CI=true` it must be).
fn nss_tools() -> bool {
    let ok = Command::new("certutil").arg("--help").output().is_ok();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(ok || !ci, "CI=true but certutil is missing: apt-get install -y libnss3-tools");
    if !ok {
        eprintln!("SKIPPED: certutil not found (apt-get install -y libnss3-tools)");
    }
    ok
}

/// certutil's list of the certificates in an NSS database, with their trust flags.
fn listed(nss: &Path) -> String {
    let out = Command::new("certutil").args(["-L", "-d"]).arg(format!("sql:{}", nss.display())).output();
    String::from_utf8_lossy(&out.expect("certutil runs").stdout).into_owned()
}

#[tokio::test]
async fn a_profile_is_reused_until_the_users_certificate_changes() {
    if !nss_tools() {
        return;
    }
    // Arrange
    let app = spawn_app(&[]).await;
    let dir = profiles_dir(&app.settings).join("firefox-bob");
    assert_eq!(dir, app.dir().join("browsers/firefox-bob"), "beside the database");
    let recipe = Recipe::for_user(Engine::Firefox, "bob");

    // Act
    let first = profile::ensure(&recipe, &app.certs, &app.sites, &dir).unwrap();
    std::fs::write(dir.join("kept-by-the-browser"), "history").unwrap();
    let second = profile::ensure(&recipe, &app.certs, &app.sites, &dir).unwrap();
    let stamp = std::fs::read_to_string(dir.join(profile::STAMP)).unwrap();
    app.pki().issue_user("bob").expect("a new certificate for bob");
    let third = profile::ensure(&recipe, &app.certs, &app.sites, &dir).unwrap();

    // Assert
    assert_eq!((first, second, third), (Made::Built, Made::Reused, Made::Built));
    assert!(!dir.join("kept-by-the-browser").exists(), "rebuilt from scratch");
    let new_stamp = std::fs::read_to_string(dir.join(profile::STAMP)).unwrap();
    assert_ne!(stamp, new_stamp, "the stamp follows bob's .p12");
    assert!(new_stamp.contains("user bob") && new_stamp.contains("engine firefox"), "{new_stamp}");
    let certs = listed(&dir);
    assert!(certs.lines().any(|l| l.starts_with("lab-ca") && l.trim_end().ends_with("C,,")), "{certs}");
    assert!(certs.lines().any(|l| l.starts_with("CN=bob,") && l.trim_end().ends_with("u,u,u")), "{certs}");
    let user_js = std::fs::read_to_string(dir.join("user.js")).unwrap();
    assert!(user_js.contains(r#"user_pref("security.default_personal_cert", "Select Automatically");"#));
}

#[tokio::test]
async fn a_chromium_profile_selects_the_lab_certificate_for_the_bank_and_can_leave_the_ca_out() {
    if !nss_tools() {
        return;
    }
    let app = spawn_app(&[]).await;
    let (trusted, untrusted) = (app.dir().join("trusted"), app.dir().join("untrusted"));

    let recipe = Recipe { third_party_cookies: true, ..Recipe::for_user(Engine::Chromium, "alice") };
    profile::build(&recipe, &app.certs, &app.sites, &trusted).unwrap();
    let no_ca = Recipe { engine: Engine::Chromium, user: None, trust_ca: false, third_party_cookies: false };
    profile::build(&no_ca, &app.certs, &app.sites, &untrusted).unwrap();

    let prefs =
        std::fs::read_to_string(profile::chromium_user_data(&trusted).join("Default/Preferences")).unwrap();
    let prefs: serde_json::Value = serde_json::from_str(&prefs).unwrap();
    let exceptions = &prefs["profile"]["content_settings"]["exceptions"]["auto_select_certificate"];
    let filter = &exceptions["https://localhost,*"]["setting"]["filters"][0]["ISSUER"]["CN"];
    assert_eq!(filter, clickjack_lab::pki::CA_COMMON_NAME, "{prefs}");
    assert_eq!(prefs["profile"]["cookie_controls_mode"], 0, "third-party cookies allowed, as asked");
    let certs = listed(&profile::nss_dir(Engine::Chromium, &trusted));
    assert!(certs.contains("lab-ca") && certs.contains("alice"), "{certs}");
    assert!(trusted.join("home/.pki/nssdb/cert9.db").is_file(), "Chromium's HOME holds the database");
    let none = listed(&profile::nss_dir(Engine::Chromium, &untrusted));
    assert!(!none.contains("lab-ca") && !none.contains("alice"), "neither the CA nor a certificate: {none}");
}

#[tokio::test]
async fn a_missing_certificate_is_named() {
    let app = spawn_app(&[]).await;
    let recipe = Recipe::for_user(Engine::Firefox, "eve");
    let err = profile::ensure(&recipe, &app.certs, &app.sites, &app.dir().join("p")).unwrap_err();
    assert!(err.contains("eve.p12"), "{err}");
}
