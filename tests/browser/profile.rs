//! Browser profiles for the lab's users (the recipes of ../shared/BROWSER.md), made once per test
//! run and engine, then copied for every browser: a test keeps its cookies, history and
//! certificate choices to itself, and pays neither `certutil` nor a first start for them.
//!
//! A profile holds the user's NSS database (the lab CA trusted for websites, the user's `.p12`
//! imported; one per user, from the run's one PKI), the engine's settings that select that
//! certificate without a prompt (and, if asked, allow third-party cookies), and whatever the
//! engine writes on its first start, which a first headless start made once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use clickjack_lab::pki::{CA_COMMON_NAME, P12_PASSWORD};
use serde_json::{Value, json};

use crate::common::pki;
use crate::engine::Engine;

/// Whose certificate a browser holds, and the one cookie setting the lab is about.
#[derive(Debug, Clone, Copy)]
pub struct Profile<'a> {
    /// The user whose .p12 is imported (None: no client certificate at all).
    pub user: Option<&'a str>,
    /// Allow third-party cookies. Both engines' defaults (false here) keep them from other sites' frames.
    pub third_party_cookies: bool,
}

impl<'a> Profile<'a> {
    /// The engine's defaults, with `user`'s certificate.
    pub fn with_certificate(user: &'a str) -> Self {
        Self { user: Some(user), third_party_cookies: false }
    }
}

/// NSS's certutil and pk12util, which put the lab CA and a user's .p12 in a database.
pub fn nss_tools() -> bool {
    ["certutil", "pk12util"].iter().all(|tool| Command::new(tool).arg("--help").output().is_ok())
}

/// A fresh copy of the run's `engine` profile for `profile`, in `dir`: for Chromium, `dir/home`
/// (the HOME whose NSS database it reads) and `dir/user-data`; for Firefox, `dir` itself.
pub fn copy_into(engine: Engine, profile: Profile<'_>, dir: &Path) {
    copy_tree(&template(engine, profile), dir);
}

/// The run's template for `engine` and `profile`, made on first use.
fn template(engine: Engine, profile: Profile<'_>) -> PathBuf {
    static MADE: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let name = format!(
        "{}-{}{}",
        engine.as_str(),
        profile.user.unwrap_or("no-certificate"),
        if profile.third_party_cookies { "-3pc" } else { "" }
    );
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = made.get_or_insert_with(HashMap::new).get(&name) {
        return dir.clone();
    }
    let dir = pki::shared().with_file_name("profiles").join(&name);
    let _ = std::fs::remove_dir_all(&dir);
    match engine {
        Engine::Chromium => {
            nss_into(profile.user, &dir.join("home/.pki/nssdb"));
            write_chromium_preferences(&dir.join("user-data"), profile);
            first_start(
                Command::new(crate::chromium::executable().expect("Chromium"))
                    .args(crate::chromium::FLAGS.iter().map(|flag| format!("--{flag}")))
                    .arg(format!("--user-data-dir={}", dir.join("user-data").display()))
                    .args(["--dump-dom", "about:blank"])
                    .env("HOME", dir.join("home")),
            );
        }
        Engine::Firefox => {
            nss_into(profile.user, &dir);
            write_firefox_prefs(&dir, profile);
            first_start(
                Command::new(crate::firefox::BINARY)
                    .args(["-headless", "-no-remote", "-profile"])
                    .arg(&dir)
                    .arg("--screenshot")
                    .arg(dir.with_extension("first-start.png"))
                    .arg("about:blank"),
            );
        }
    }
    made.get_or_insert_with(HashMap::new).insert(name, dir.clone());
    dir
}

/// The engine's first start on a new profile (it writes its databases and caches), once.
fn first_start(command: &mut Command) {
    let status = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status();
    assert!(status.is_ok_and(|s| s.success()), "the first start of a template profile: {command:?}");
}

/// Chromium's profile preferences: auto-select lab certificates for https://localhost on any
/// port, and, only if asked, allow third-party cookies (`cookie_controls_mode` 0).
fn write_chromium_preferences(user_data: &Path, profile: Profile<'_>) {
    let mut prefs = json!({
        "profile": { "content_settings": { "exceptions": { "auto_select_certificate": {
            "https://localhost,*": { "setting": { "filters": [ { "ISSUER": { "CN": CA_COMMON_NAME } } ] } }
        } } } }
    });
    if profile.third_party_cookies {
        prefs["profile"]["cookie_controls_mode"] = json!(0);
    }
    std::fs::create_dir_all(user_data.join("Default")).unwrap();
    std::fs::write(user_data.join("Default/Preferences"), prefs.to_string()).unwrap();
}

/// Firefox's preferences for the lab (the profile's `user.js`): pick the lab certificate without
/// a prompt, deliver WebDriver clicks into cross-site frames, stay off the (closed) network.
fn write_firefox_prefs(dir: &Path, profile: Profile<'_>) {
    let mut prefs = json!({
        "security.default_personal_cert": "Select Automatically",
        "remote.events.async.mouse.enabled": true,
        "app.update.auto": false,
        "app.update.enabled": false,
        "browser.safebrowsing.malware.enabled": false,
        "browser.safebrowsing.phishing.enabled": false,
        "browser.safebrowsing.downloads.enabled": false,
        "browser.shell.checkDefaultBrowser": false,
        "browser.startup.page": 0,
        "browser.newtabpage.enabled": false,
        "datareporting.policy.dataSubmissionEnabled": false,
        "toolkit.telemetry.enabled": false,
        "network.captive-portal-service.enabled": false,
        "network.connectivity-service.enabled": false,
        "network.dns.disablePrefetch": true,
        "network.prefetch-next": false,
        "extensions.update.enabled": false,
        "media.gmp-manager.updateEnabled": false,
        "browser.region.update.enabled": false,
        "security.OCSP.enabled": 0,
        // No spare content process started ahead of need: CPU the tests' other browsers can use.
        "dom.ipc.processPrelaunch.enabled": false,
    });
    if profile.third_party_cookies {
        // 0: accept all cookies, unpartitioned (the default, 5, is Total Cookie Protection).
        prefs["network.cookie.cookieBehavior"] = json!(0);
    }
    let user_js: String = prefs
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, value): (&String, &Value)| format!("user_pref({name:?}, {value});\n"))
        .collect();
    std::fs::write(dir.join("user.js"), user_js).unwrap();
}

/// Copies a folder, leaving out what a browser leaves behind that is not a file (its lock links).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let (path, kind) = (entry.path(), entry.file_type().unwrap());
        if kind.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()));
        } else if kind.is_file() {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// Copies the NSS database of `user` (the CA alone for `None`) into `dir`.
fn nss_into(user: Option<&str>, dir: &Path) {
    copy_tree(&nss_db(user), dir);
}

/// The run's NSS database of `user`, made on first use.
fn nss_db(user: Option<&str>) -> PathBuf {
    static MADE: Mutex<Option<HashMap<Option<String>, PathBuf>>> = Mutex::new(None);
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    let made = made.get_or_insert_with(HashMap::new);
    let key = user.map(str::to_owned);
    if let Some(dir) = made.get(&key) {
        return dir.clone();
    }
    let certs = pki::shared();
    let dir = certs.with_file_name("nss").join(user.unwrap_or("no-certificate"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sql:{}", dir.display());
    run(Command::new("certutil").args(["-N", "-d", &db, "--empty-password"]));
    let ca = certs.join("ca.crt");
    run(Command::new("certutil").args(["-A", "-d", &db, "-t", "C,,", "-n", "lab-ca", "-i"]).arg(&ca));
    if let Some(user) = user {
        let p12 = certs.join(format!("{user}.p12"));
        run(Command::new("pk12util").args(["-d", &db, "-i"]).arg(&p12).args(["-W", P12_PASSWORD]));
    }
    made.insert(key, dir.clone());
    dir
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("run NSS tool");
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}
