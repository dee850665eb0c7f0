//! Builds the lab, top-down: the listeners (port 0 picks a free one), the PKI, the database, the
//! audit recorder, TLS for the chosen `LAB_MTLS` mode, then the two servers: the bank (over
//! mutual TLS, or plain HTTP behind a proxy) and the attacker site (plain HTTP, and HTTPS on the
//! bank's own site).

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::web;

use crate::accounts::bindings::{self, BindError};
use crate::audit::Recorder;
use crate::bank::{self, Bank};
use crate::config::Settings;
use crate::config::vars::{ATTACKER_PORT, BANK_PORT, SAMESITE_ATTACKER_PORT, UPSTREAM_PORT};
use crate::db::{self, DbError, SEED_USERS};
use crate::identity::mode::MtlsMode;
use crate::lab::observer::LabState;
use crate::pki::{Pki, PkiError};
use crate::protections::csrf_key::CsrfKey;
use crate::protections::live::Live;
use crate::sessions::login_form::LoginForms;
use crate::sites::{Ports, Sites};
use crate::state::AppState;
use crate::tls::{self, BankTls, TlsError};
use crate::transfers::request_id::RequestIds;
use crate::{attacker, practice, sessions};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("certificates: {0}")]
    Pki(#[from] PkiError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("binding the seeded users' certificates: {0}")]
    CertBinding(#[from] BindError),
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    #[error(
        "cannot listen on {addr} ({var}): {source}. Is another clickjack-lab (or another program) \
         using that port? Stop it, or choose another port with {var}=<port>."
    )]
    Bind { addr: SocketAddr, var: &'static str, source: io::Error },
    #[error("{path} is missing: set LAB_ASSETS_DIR to the folder that holds static/ and attacker-site/")]
    Assets { path: String },
    #[error("starting the server: {0}")]
    Serve(io::Error),
}

pub struct Application {
    sites: Sites,
    /// What the lab keeps while it runs (how confirmation pages were loaded).
    lab: web::Data<LabState>,
    /// Proxy mode: where the bank itself listens (plain HTTP).
    upstream: Option<SocketAddr>,
    bank: Server,
    attacker: Server,
    settings: Settings,
    /// What start-up created or reissued in the PKI, and why (the banner repeats it).
    pki_notes: Vec<String>,
    crl_watch: Option<Arc<tokio::task::AbortHandle>>,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        settings.check_public_bind()?;
        let static_dir = asset_dir(&settings.paths.assets, "static")?;
        let attacker_dir = asset_dir(&settings.paths.assets, "attacker-site")?;
        let listeners = Listeners::bind(&settings)?;
        let sites = Sites::new(settings.network.bind, listeners.ports);

        let certs = &settings.paths.certs;
        let users: Vec<&str> = SEED_USERS.iter().map(|(name, _, _)| *name).collect();
        let (pki, provisioned) = Pki::ensure(certs, &users, settings.network.bind)?;
        let pool = db::open(&settings.paths.database).await?;
        sessions::purge_expired(&pool).await.map_err(DbError::from)?;
        bindings::bind_provisioned(&pool, &pki, &users, &provisioned.issued).await?;
        let recorder = Recorder::start(db::Writer::new(&pool), settings.audit.max_rows);

        let tls = BankTls::for_mode(settings.identity.mtls, certs, &recorder)?;
        let crl_watch = tls.verifier.as_ref().map(|v| Arc::new(v.watch().abort_handle()));
        let csrf_key = CsrfKey::load(&pool).await.map_err(DbError::from)?;
        let request_ids = RequestIds::load(&pool).await.map_err(DbError::from)?;
        let login_forms = LoginForms::load(&pool).await.map_err(DbError::from)?;
        let state = AppState {
            pool,
            allowed_origins: sites.allowed_origins(&settings.protections.allowed_origins),
            sites: sites.clone(),
            verifier: tls.verifier,
            protections: Live::new(settings.protections.clone()),
            csrf_key,
            request_ids,
            login_forms,
            balances: Default::default(),
            directory: Default::default(),
            sign_ins: Default::default(),
            certificates: Default::default(),
            recorder,
            settings: settings.clone(),
        };
        let lab = web::Data::new(LabState::new(settings.lab));
        let state = web::Data::new(state);
        let (practice, queue) = practice::start(state.clone(), lab.clone()).await?;
        let bank = Bank { state, lab: lab.clone(), static_dir };
        let bank = bank::serve(bank, listeners.bank, tls.server).map_err(StartupError::Serve)?;
        let same_site_tls = tls::server_config(certs, None)?;
        let site = attacker::Site {
            dir: attacker_dir,
            lab: lab.clone(),
            setup: attacker::lab_desk::Setup::new(&settings, &sites),
            practice,
            queue,
        };
        let attacker = attacker::serve(site, &sites, listeners.attacker, listeners.same_site, same_site_tls)
            .map_err(StartupError::Serve)?;

        let pki_notes = provisioned.notes;
        Ok(Self { sites, lab, upstream: listeners.upstream, bank, attacker, settings, pki_notes, crl_watch })
    }

    /// Where a browser reaches the three sites (behind a proxy, the bank is the proxy).
    pub fn sites(&self) -> &Sites {
        &self.sites
    }

    /// What the lab keeps while it runs.
    pub fn lab(&self) -> web::Data<LabState> {
        self.lab.clone()
    }

    /// Proxy mode: the bank's own plain-HTTP address, which the proxy forwards to.
    pub fn upstream(&self) -> Option<SocketAddr> {
        self.upstream
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// What start-up created or reissued in the PKI, and why.
    pub fn pki_notes(&self) -> &[String] {
        &self.pki_notes
    }

    /// Stops both servers.
    pub fn handle(&self) -> LabHandle {
        LabHandle {
            bank: self.bank.handle(),
            attacker: self.attacker.handle(),
            crl_watch: self.crl_watch.clone(),
        }
    }

    /// Runs both servers until they are stopped through a [`LabHandle`].
    pub async fn run_until_stopped(self) -> io::Result<()> {
        let (bank, attacker) = tokio::join!(self.bank, self.attacker);
        bank.and(attacker)
    }
}

/// Stops both servers of an [`Application`].
#[derive(Clone)]
pub struct LabHandle {
    bank: ServerHandle,
    attacker: ServerHandle,
    crl_watch: Option<Arc<tokio::task::AbortHandle>>,
}

impl LabHandle {
    /// Tells both servers (and the CRL watcher) to stop at once; the future resolves when they have.
    pub fn stop(&self, graceful: bool) -> impl Future<Output = ()> + use<> {
        if let Some(watch) = &self.crl_watch {
            watch.abort();
        }
        let (bank, attacker) = (self.bank.stop(graceful), self.attacker.stop(graceful));
        async move {
            tokio::join!(bank, attacker);
        }
    }
}

/// The three listeners, bound before anything is created, so a busy port stops start-up first.
struct Listeners {
    bank: TcpListener,
    attacker: TcpListener,
    same_site: TcpListener,
    /// Proxy mode: the bank's own address (the `bank` listener), behind the proxy.
    upstream: Option<SocketAddr>,
    /// The ports a browser uses: behind a proxy, the bank's is the proxy's.
    ports: Ports,
}

impl Listeners {
    fn bind(settings: &Settings) -> Result<Self, StartupError> {
        let network = &settings.network;
        let listen = |port: u16, var: &'static str| {
            let addr = SocketAddr::new(network.bind, port);
            TcpListener::bind(addr).map_err(|source| StartupError::Bind { addr, var, source })
        };
        let behind_proxy = settings.identity.mtls == MtlsMode::Proxy;
        let bank = if behind_proxy {
            listen(settings.proxy.upstream_port, UPSTREAM_PORT.name)?
        } else {
            listen(network.bank_port, BANK_PORT.name)?
        };
        let attacker = listen(network.attacker_port, ATTACKER_PORT.name)?;
        let same_site = listen(network.samesite_attacker_port, SAMESITE_ATTACKER_PORT.name)?;
        let local = |l: &TcpListener| l.local_addr().map_err(StartupError::Serve);
        let upstream = if behind_proxy { Some(local(&bank)?) } else { None };
        let ports = Ports {
            bank: if behind_proxy { network.bank_port } else { local(&bank)?.port() },
            attacker: local(&attacker)?.port(),
            samesite_attacker: local(&same_site)?.port(),
        };
        Ok(Self { bank, attacker, same_site, upstream, ports })
    }
}

fn asset_dir(assets: &Path, name: &str) -> Result<PathBuf, StartupError> {
    let dir = assets.join(name);
    if dir.is_dir() { Ok(dir) } else { Err(StartupError::Assets { path: dir.display().to_string() }) }
}
