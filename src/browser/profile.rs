//! A lab-owned browser profile (the recipes of ../shared/BROWSER.md): its own NSS database (the
//! lab CA trusted for websites, a user's `.p12` imported) and the engine's settings that present
//! that certificate to the bank without a prompt. It lives in a folder of its own and never
//! touches the user's browser profile or `~/.pki/nssdb`.
//!
//! Layout of a profile folder: Chromium reads `home/.pki/nssdb` (it runs with `HOME=home`) and
//! keeps its profile in `user-data`; Firefox's profile is the folder itself. [`STAMP`] records what
//! the profile was built from, so a changed CA or certificate rebuilds it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::crypto::sha256_hex;
use crate::lab::Engine;
use crate::pki::{CA_COMMON_NAME, P12_PASSWORD};
use crate::sites::Sites;

/// The file in a profile folder that says what it was built from.
pub const STAMP: &str = "lab-profile.stamp";

/// What a profile holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipe<'a> {
    pub engine: Engine,
    /// Whose certificate it holds: `<user>.p12` of the certs folder (None: no certificate).
    pub user: Option<&'a str>,
    /// Trust the lab CA for websites (without it the bank's certificate is refused).
    pub trust_ca: bool,
    /// Allow third-party cookies (both engines' defaults, false, keep them from other sites' frames).
    pub third_party_cookies: bool,
}

impl<'a> Recipe<'a> {
    /// The engine's defaults, the lab CA trusted, and `user`'s certificate.
    pub fn for_user(engine: Engine, user: &'a str) -> Self {
        Self { engine, user: Some(user), trust_ca: true, third_party_cookies: false }
    }
}

/// Whether [`ensure`] found the profile as it should be or built it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    Reused,
    Built,
}

/// Chromium's HOME in a profile folder (it reads `$HOME/.pki/nssdb`).
pub fn chromium_home(dir: &Path) -> PathBuf {
    dir.join("home")
}

/// Chromium's `--user-data-dir` in a profile folder.
pub fn chromium_user_data(dir: &Path) -> PathBuf {
    dir.join("user-data")
}

/// The NSS database of the profile in `dir`.
pub fn nss_dir(engine: Engine, dir: &Path) -> PathBuf {
    match engine {
        Engine::Chromium => chromium_home(dir).join(".pki/nssdb"),
        Engine::Firefox => dir.to_owned(),
    }
}

/// The profile in `dir`, reused when it was built from the same recipe, CA and certificate,
/// else built afresh (what the browser kept in it, history and cookies, goes with it).
pub fn ensure(recipe: &Recipe<'_>, certs: &Path, sites: &Sites, dir: &Path) -> Result<Made, String> {
    let stamp = stamp(recipe, certs, sites)?;
    if std::fs::read_to_string(dir.join(STAMP)).is_ok_and(|old| old == stamp) {
        return Ok(Made::Reused);
    }
    build(recipe, certs, sites, dir)?;
    Ok(Made::Built)
}

/// Builds the profile in `dir` afresh (removing whatever was there).
pub fn build(recipe: &Recipe<'_>, certs: &Path, sites: &Sites, dir: &Path) -> Result<(), String> {
    let stamp = stamp(recipe, certs, sites)?;
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .map_err(|e| format!("{}: cannot remove the old profile: {e}", dir.display()))?;
    }
    let nss = nss_dir(recipe.engine, dir);
    create(&nss)?;
    fill_nss(recipe, certs, &nss)?;
    match recipe.engine {
        Engine::Chromium => {
            let default = chromium_user_data(dir).join("Default");
            create(&default)?;
            write(&default.join("Preferences"), &chromium_preferences(recipe, sites).to_string())?;
        }
        Engine::Firefox => write(&dir.join("user.js"), &firefox_user_js(recipe))?,
    }
    write(&dir.join(STAMP), &stamp)
}

/// What a profile is built from: the recipe, the bank's hosts, and the SHA-256 of the CA
/// certificate and of the user's `.p12`. A missing file is an error that names it.
pub fn stamp(recipe: &Recipe<'_>, certs: &Path, sites: &Sites) -> Result<String, String> {
    let ca = read(&certs.join("ca.crt"))?;
    let p12 = recipe.user.map(|user| read(&certs.join(format!("{user}.p12")))).transpose()?;
    Ok(format!(
        "clickjack-lab browser profile 1\nengine {}\nuser {}\ntrust-ca {}\nthird-party-cookies {}\n\
         bank {}\nca.crt sha256 {}\np12 sha256 {}\n",
        recipe.engine.as_str(),
        recipe.user.unwrap_or("(none)"),
        recipe.trust_ca,
        recipe.third_party_cookies,
        bank_hosts(sites).join(" "),
        sha256_hex(&ca),
        p12.map(|bytes| sha256_hex(&bytes)).unwrap_or_else(|| "(none)".into()),
    ))
}

/// The bank's scheme and host, without the port, for every name it answers on.
pub fn bank_hosts(sites: &Sites) -> Vec<String> {
    let without_port = |origin: &str| origin.rsplit_once(':').map_or(origin, |(rest, _)| rest).to_owned();
    sites.bank_origins().iter().map(|origin| without_port(origin.as_str())).collect()
}

/// A new NSS database, the lab CA trusted for websites (`C,,`: importing a .p12 does not trust
/// its CA), the user's certificate and key.
fn fill_nss(recipe: &Recipe<'_>, certs: &Path, nss: &Path) -> Result<(), String> {
    let db = format!("sql:{}", nss.display());
    run(Command::new("certutil").args(["-N", "-d", &db, "--empty-password"]))?;
    if recipe.trust_ca {
        let ca = certs.join("ca.crt");
        run(Command::new("certutil").args(["-A", "-d", &db, "-t", "C,,", "-n", "lab-ca", "-i"]).arg(ca))?;
    }
    if let Some(user) = recipe.user {
        let p12 = certs.join(format!("{user}.p12"));
        run(Command::new("pk12util").args(["-d", &db, "-i"]).arg(p12).args(["-W", P12_PASSWORD]))?;
    }
    Ok(())
}

/// Chromium's profile preferences: auto-select certificates from the lab CA for the bank's hosts
/// on any port (without it headless Chromium waits forever at the certificate choice), and, if
/// asked, allow third-party cookies (`cookie_controls_mode` 0).
fn chromium_preferences(recipe: &Recipe<'_>, sites: &Sites) -> Value {
    let filter = json!({ "setting": { "filters": [ { "ISSUER": { "CN": CA_COMMON_NAME } } ] } });
    let patterns: serde_json::Map<String, Value> =
        bank_hosts(sites).into_iter().map(|host| (format!("{host},*"), filter.clone())).collect();
    let mut prefs = json!({
        "profile": { "content_settings": { "exceptions": { "auto_select_certificate": patterns } } },
        "browser": { "check_default_browser": false },
    });
    if recipe.third_party_cookies {
        prefs["profile"]["cookie_controls_mode"] = json!(0);
    }
    prefs
}

/// Firefox's preferences: pick the lab certificate without a prompt, stay off the network.
fn firefox_user_js(recipe: &Recipe<'_>) -> String {
    let mut prefs = json!({
        "security.default_personal_cert": "Select Automatically",
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
        // No spare content process started ahead of need: CPU the lab and other browsers can use.
        "dom.ipc.processPrelaunch.enabled": false,
    });
    if recipe.third_party_cookies {
        // 0: accept all cookies, unpartitioned (the default, 5, is Total Cookie Protection).
        prefs["network.cookie.cookieBehavior"] = json!(0);
    }
    user_js(&prefs)
}

/// The preferences a Firefox that software clicks in gets on top of its profile's (the browser
/// tests', practice mode's victim), never one a person uses. Firefox synthesises a WebDriver
/// pointer action in the top page's content process (140.10 and 153.8 ESR no longer offer
/// `remote.events.async.mouse.enabled`, which sent it through the parent process as real input
/// goes); with site isolation a cross-site frame runs in a process of its own and the event stops
/// at the `<iframe>` element: a click that never reaches the framed bank, a silent false
/// "blocked". Isolation strategy 0 keeps cross-site frames in the page's process, where the page
/// hit-tests a synthesised click as the parent process does a person's. What the page sees is
/// unchanged: frame headers, cookies, Fetch Metadata and sandboxing do not depend on processes.
pub fn firefox_driven_user_js() -> String {
    user_js(&json!({ "fission.webContentIsolationStrategy": 0 }))
}

/// `prefs` as `user.js` lines.
fn user_js(prefs: &Value) -> String {
    let lines = prefs.as_object().into_iter().flatten();
    lines.map(|(name, value)| format!("user_pref({name:?}, {value});\n")).collect()
}

fn run(command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| {
        let tool = command.get_program().to_string_lossy().into_owned();
        format!("cannot run {tool} ({e}): install it with `apt-get install -y libnss3-tools`")
    })?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!("{command:?} failed: {}", String::from_utf8_lossy(&out.stderr).trim()))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn create(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}
