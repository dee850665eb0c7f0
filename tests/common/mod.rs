//! Starts the real lab for a test: its own temp dir (SQLite file, a copy of the run's PKI), ports 0
//! on 127.0.0.1, and clients that speak real (m)TLS to it. Everything stops when the `TestApp` drops.

#![allow(dead_code)]

mod nginx;
/// reqwest's client builder, with the lab's TLS provider (ring) installed for the process first:
/// reqwest is built without a provider of its own, and every client, plain HTTP included, needs one.
pub fn client_builder() -> reqwest::ClientBuilder {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        // Already installed (by another caller in this process) is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    Client::builder()
}

pub mod pki;
pub mod source;
mod wait;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clickjack_lab::config::Settings;
use clickjack_lab::pki::{Issued, Pki};
use clickjack_lab::sites::Sites;
use clickjack_lab::startup::{Application, LabHandle};
use reqwest::{Certificate, Client, Identity, redirect};
use tempfile::TempDir;

pub use nginx::Nginx;
// Each test binary uses what it needs of these.
#[allow(unused_imports)]
pub use wait::{eventually, until};

pub struct TestApp {
    /// The settings the lab runs with, and the variables the test set to get them.
    pub settings: Settings,
    pub vars: Vec<(String, String)>,
    /// The attack a browser test last ran against this lab, for the record of what was measured.
    pub last_attack: std::sync::Mutex<Option<Attack>>,
    /// Where a browser reaches the bank and the attacker (behind nginx, the bank is nginx).
    pub sites: Sites,
    /// What the running lab keeps in memory (how confirmation pages were loaded).
    pub lab: actix_web::web::Data<clickjack_lab::lab::observer::LabState>,
    pub certs: PathBuf,
    pub database: PathBuf,
    /// `LAB_MTLS=proxy`: the bank's own plain-HTTP address, behind nginx.
    pub upstream: Option<SocketAddr>,
    handle: LabHandle,
    /// The TLS-terminating proxy, when the test put one in front (stopped before the lab).
    proxy: Option<Nginx>,
    // Dropped last: the servers stop before their files go.
    dir: TempDir,
}

/// What a browser test ran: the scenario, its screenshot's file name, the browser, how many
/// confirmations the victim's clicks could send (clicks on an enabled, shown confirm button), and
/// what the attack page told the trainee.
#[derive(Debug, Clone)]
pub struct Attack {
    pub scenario: String,
    pub screenshot: String,
    pub third_party_cookies: bool,
    pub engine: &'static str,
    pub confirmations: usize,
    /// What the attack page's narrator said at the end (`landed`, `refused`, `waiting`).
    pub narrated: Option<String>,
}

/// Starts the lab with these `LAB_*` variables on top of test defaults (ports 0, temp files). A
/// variable the lab does not know fails the test, as it stops the lab.
pub async fn spawn_app(vars: &[(&str, &str)]) -> TestApp {
    spawn_app_timed(vars, &[]).await
}

/// The same, with timing rules (`LAB_GESTURE_DELAY_MS`, `LAB_POPUP_WINDOW_MS`) that are not part
/// of the configuration the test is about (`TestApp::vars` leaves them out).
pub async fn spawn_app_timed(vars: &[(&str, &str)], timing: &[(&str, &str)]) -> TestApp {
    spawn_in(tempfile::tempdir().expect("temp dir"), vars, timing).await
}

/// Starts the lab with `LAB_MTLS=proxy` behind a real nginx (Debian's) that terminates mutual
/// TLS with the lab's certificates, from the configuration `clickjack-lab nginx-config` writes.
/// The browser's bank (`sites.bank`) is nginx; the bank itself listens on `upstream`.
pub async fn spawn_app_behind_nginx(vars: &[(&str, &str)]) -> TestApp {
    spawn_app_behind_nginx_timed(vars, &[]).await
}

/// The same, with timing rules (see [`spawn_app_timed`]).
pub async fn spawn_app_behind_nginx_timed(vars: &[(&str, &str)], timing: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    // nginx's configuration names both ports, so both are chosen before the lab starts.
    let (port, upstream) = (free_port().to_string(), free_port().to_string());
    let mut all = vec![
        ("LAB_MTLS", "proxy"),
        ("LAB_BANK_PORT", port.as_str()),
        ("LAB_UPSTREAM_PORT", upstream.as_str()),
    ];
    all.extend_from_slice(vars);
    let mut app = spawn_in(dir, &all, timing).await;
    app.proxy = Some(Nginx::start(&app).await);
    app
}

/// A port that was free a moment ago (for nginx, which the lab must know before it starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

async fn spawn_in(dir: TempDir, vars: &[(&str, &str)], timing: &[(&str, &str)]) -> TestApp {
    let certs = dir.path().join("certs");
    let database = dir.path().join("lab.sqlite");
    pki::copy_into(&certs);
    let (certs_text, database_text) = (certs.display().to_string(), database.display().to_string());
    let mut all = vec![
        ("LAB_BANK_PORT", "0"),
        ("LAB_ATTACKER_PORT", "0"),
        ("LAB_SAMESITE_ATTACKER_PORT", "0"),
        ("LAB_CERTS_DIR", certs_text.as_str()),
        ("LAB_DATABASE", database_text.as_str()),
    ];
    all.extend_from_slice(timing);
    all.extend_from_slice(vars);
    let settings = Settings::from_pairs(&all).unwrap_or_else(|e| panic!("the test's settings: {e}"));
    let app = Application::build(settings.clone()).await.expect("the lab starts");
    let test_app = TestApp {
        settings,
        vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        last_attack: std::sync::Mutex::new(None),
        sites: app.sites().clone(),
        lab: app.lab(),
        certs,
        database,
        upstream: app.upstream(),
        handle: app.handle(),
        proxy: None,
        dir,
    };
    tokio::spawn(app.run_until_stopped());
    test_app
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.proxy.take());
        // Sends the stop command now (not graceful: a test has nothing in flight worth waiting for).
        drop(self.handle.stop(false));
    }
}

/// A client identity: a certificate and its key, PEM.
pub struct ClientCert {
    pub cert_pem: String,
    pub key_pem: String,
}

impl From<Issued> for ClientCert {
    fn from(issued: Issued) -> Self {
        Self { cert_pem: issued.cert_pem, key_pem: issued.key_pem }
    }
}

impl TestApp {
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A page of the bank.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sites.bank)
    }

    /// The lab CA (to issue test certificates: expired ones, unknown users...).
    pub fn pki(&self) -> Pki {
        Pki::load(&self.certs).expect("the lab CA loads")
    }

    /// A seeded user's certificate, as written by the lab.
    pub fn user_cert(&self, user: &str) -> ClientCert {
        let read =
            |ext: &str| std::fs::read_to_string(self.certs.join(format!("{user}.{ext}"))).expect("cert file");
        ClientCert { cert_pem: read("crt"), key_pem: read("key") }
    }

    /// A client that trusts only the lab CA, keeps cookies, does not follow redirects, and
    /// presents `cert` if given.
    pub fn client(&self, cert: Option<&ClientCert>) -> Client {
        let ca = std::fs::read(self.certs.join("ca.crt")).expect("ca.crt");
        let mut builder = client_builder()
            .tls_certs_only([Certificate::from_pem(&ca).expect("CA PEM")])
            .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], self.sites.bank.port())))
            .redirect(redirect::Policy::none())
            .cookie_store(true)
            .timeout(Duration::from_secs(20));
        if let Some(cert) = cert {
            let pem = format!("{}\n{}", cert.key_pem, cert.cert_pem);
            builder = builder.identity(Identity::from_pem(pem.as_bytes()).expect("identity PEM"));
        }
        builder.build().expect("client")
    }

    /// A client presenting a seeded user's certificate.
    pub fn client_as(&self, user: &str) -> Client {
        self.client(Some(&self.user_cert(user)))
    }

    /// Balances straight from the bank's database file, by username.
    pub async fn balances(&self) -> HashMap<String, i64> {
        let sql = "SELECT u.username, a.balance_cents FROM users u JOIN accounts a ON a.user_id = u.id";
        self.fetch_all::<(String, i64)>(sql).await.into_iter().collect()
    }

    /// A single SQL count, for assertions on transfers and audit events.
    pub async fn count(&self, sql: &str) -> i64 {
        self.fetch_one::<(i64,)>(sql).await.0
    }

    /// The one row a query returns.
    pub async fn fetch_one<T>(&self, sql: &str) -> T
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        let mut rows = self.fetch_all(sql).await;
        assert_eq!(rows.len(), 1, "exactly one row from {sql}");
        rows.remove(0)
    }

    /// Rows straight from the bank's database file (opened read-only).
    pub async fn fetch_all<T>(&self, sql: &str) -> Vec<T>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        let url = format!("sqlite://{}?mode=ro", self.database.display());
        let pool = sqlx::SqlitePool::connect(&url).await.expect("open the lab database");
        let rows = sqlx::query_as(sql).fetch_all(&pool).await.expect("query");
        pool.close().await;
        rows
    }
}

/// Pulls `name="<field>" value="..."` out of a rendered form.
pub fn form_value(html: &str, field: &str) -> Option<String> {
    let marker = format!("name=\"{field}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}
