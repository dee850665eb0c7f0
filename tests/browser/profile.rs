//! Browser profiles for the lab's users, made once per test run and engine by the lab's own
//! profile builder (`clickjack_lab::browser::profile`, the one `clickjack-lab browser` uses), then
//! copied for every browser: a test keeps its cookies, history and certificate choices to itself,
//! and pays neither `certutil` nor a first start for them.
//!
//! A template holds what the builder makes (the NSS database, the engine's settings that select
//! the certificate without a prompt and, if asked, allow third-party cookies) and whatever the
//! engine writes on its first start, which a first headless start made once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use clickjack_lab::browser::finder::{Finder, Overrides};
use clickjack_lab::browser::profile::{self as lab_profile, Recipe};
use clickjack_lab::config::Settings;

use crate::common::pki;
use crate::engine::Engine;

/// Whose certificate a browser holds, whether it trusts the lab CA, and the one cookie setting
/// the lab is about.
#[derive(Debug, Clone, Copy)]
pub struct Profile<'a> {
    /// The user whose `<user>.p12` of the run's certs folder is imported (None: no client
    /// certificate at all). A test-issued user's .p12 must be in `pki::shared()`.
    pub user: Option<&'a str>,
    /// Allow third-party cookies. Both engines' defaults (false here) keep them from other sites' frames.
    pub third_party_cookies: bool,
    /// Trust the lab CA for websites (false: the bank's certificate is refused).
    pub trust_ca: bool,
}

impl Default for Profile<'_> {
    /// No certificate, the lab CA trusted, the engine's cookie defaults.
    fn default() -> Self {
        Self { user: None, third_party_cookies: false, trust_ca: true }
    }
}

impl<'a> Profile<'a> {
    /// The engine's defaults, the lab CA trusted, with `user`'s certificate.
    pub fn with_certificate(user: &'a str) -> Self {
        Self { user: Some(user), ..Self::default() }
    }
}

/// The browsers and tools as `clickjack-lab browser` finds them (`LAB_CHROMIUM`, `LAB_FIREFOX`).
pub fn finder() -> Finder {
    let overrides = Settings::from_env().map(|s| s.browsers).unwrap_or_else(|_| Overrides::default());
    Finder::new(&overrides)
}

/// NSS's certutil and pk12util, which put the lab CA and a user's .p12 in a database.
pub fn nss_tools() -> bool {
    finder().nss_tools().is_ok()
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
        "{}-{}{}{}",
        engine.as_str(),
        profile.user.unwrap_or("no-certificate"),
        if profile.third_party_cookies { "-3pc" } else { "" },
        if profile.trust_ca { "" } else { "-no-ca" }
    );
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = made.get_or_insert_with(HashMap::new).get(&name) {
        return dir.clone();
    }
    let dir = pki::shared().with_file_name("profiles").join(&name);
    let recipe = Recipe {
        engine,
        user: profile.user,
        trust_ca: profile.trust_ca,
        third_party_cookies: profile.third_party_cookies,
    };
    // The bank's hosts: the patterns match any port, so the defaults' sites stand for every lab.
    let sites = Settings::defaults().network.sites();
    lab_profile::build(&recipe, pki::shared(), &sites, &dir)
        .unwrap_or_else(|e| panic!("the {name} template profile: {e}"));
    match engine {
        Engine::Chromium => first_start(
            Command::new(crate::chromium::executable().expect("Chromium"))
                .args(crate::chromium::FLAGS.iter().map(|flag| format!("--{flag}")))
                .arg(format!("--user-data-dir={}", lab_profile::chromium_user_data(&dir).display()))
                .args(["--dump-dom", "about:blank"])
                .env("HOME", lab_profile::chromium_home(&dir)),
        ),
        Engine::Firefox => first_start(
            Command::new(crate::firefox::binary().expect("Firefox"))
                .args(["-headless", "-no-remote", "-profile"])
                .arg(&dir)
                .arg("--screenshot")
                .arg(dir.with_extension("first-start.png"))
                .arg("about:blank"),
        ),
    }
    made.get_or_insert_with(HashMap::new).insert(name, dir.clone());
    dir
}

/// The engine's first start on a new profile (it writes its databases and caches), once.
fn first_start(command: &mut Command) {
    let status = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status();
    assert!(status.is_ok_and(|s| s.success()), "the first start of a template profile: {command:?}");
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
