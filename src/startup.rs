//! Builds the lab: PKI, database, TLS, and the two servers (the bank over mTLS, the attacker
//! site over plain HTTP), each bound to its own listener (port 0 picks a free one).

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};

use crate::config::{ConfigError, Settings};
use crate::db::{self, DbError, SEED_USERS};
use crate::origin::Origin;
use crate::pki::{Pki, PkiError};
use crate::protections::guard::guard;
use crate::protections::headers::{SecurityHeaders, security_headers};
use crate::protections::origin_check::AllowedOrigins;
use crate::state::AppState;
use crate::tls::{self, TlsError};
use crate::{attacker, sessions, web as pages};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("certificates: {0}")]
    Pki(#[from] PkiError),
    #[error(transparent)]
    Db(#[from] DbError),
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
    bank_port: u16,
    attacker_port: u16,
    bank: Server,
    attacker: Server,
    settings: Settings,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        settings.check_public_bind()?;
        let static_dir = asset_dir(&settings, "static")?;
        let attacker_dir = asset_dir(&settings, "attacker-site")?;
        let users: Vec<&str> = SEED_USERS.iter().map(|(name, _, _)| *name).collect();
        Pki::ensure(&settings.certs_dir, &users)?;
        let tls = tls::server_config(settings.mtls, &settings.certs_dir)?;
        let pool = db::open(&settings.database).await?;
        sessions::purge_expired(&pool).await.map_err(DbError::from)?;

        let bank_listener = listen(&settings, settings.bank_port, "LAB_BANK_PORT")?;
        let attacker_listener = listen(&settings, settings.attacker_port, "LAB_ATTACKER_PORT")?;
        let bank_port = bank_listener.local_addr().map_err(StartupError::Serve)?.port();
        let attacker_port = attacker_listener.local_addr().map_err(StartupError::Serve)?.port();
        let bank_origin = Origin::https("localhost", bank_port);

        let state = web::Data::new(AppState {
            pool,
            allowed_origins: AllowedOrigins::new(bank_port, &settings.protections.allowed_origins),
            bank_origin: bank_origin.clone(),
            attacker_origin: Origin::parse(&format!("http://127.0.0.1:{attacker_port}"))
                .expect("a loopback origin parses"),
            settings: settings.clone(),
        });
        let headers = web::Data::new(SecurityHeaders::new(&settings.protections.frame));

        let bank = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(headers.clone())
                .configure(|cfg| pages::routes(cfg, &static_dir))
                .wrap(from_fn(guard))
                .wrap(ErrorHandlers::new().default_handler(pages::errors::render))
                .wrap(from_fn(security_headers))
        })
        .on_connect(tls::peer::on_connect)
        .workers(2)
        .disable_signals()
        .shutdown_timeout(5)
        .listen_rustls_0_23(bank_listener, tls)
        .map_err(StartupError::Serve)?
        .run();

        let attacker = HttpServer::new(move || {
            App::new().configure(|cfg| attacker::routes(cfg, &attacker_dir, &bank_origin))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(attacker_listener)
        .map_err(StartupError::Serve)?
        .run();

        Ok(Self { bank_port, attacker_port, bank, attacker, settings })
    }

    pub fn bank_port(&self) -> u16 {
        self.bank_port
    }

    pub fn attacker_port(&self) -> u16 {
        self.attacker_port
    }

    pub fn bank_url(&self) -> String {
        Origin::https("localhost", self.bank_port).to_string()
    }

    pub fn attacker_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.attacker_port)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Stops both servers.
    pub fn handle(&self) -> LabHandle {
        LabHandle { bank: self.bank.handle(), attacker: self.attacker.handle() }
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
}

impl LabHandle {
    /// Tells both servers to stop at once; the future resolves when they have.
    pub fn stop(&self, graceful: bool) -> impl Future<Output = ()> + use<> {
        let (bank, attacker) = (self.bank.stop(graceful), self.attacker.stop(graceful));
        async move {
            tokio::join!(bank, attacker);
        }
    }
}

fn listen(settings: &Settings, port: u16, var: &'static str) -> Result<TcpListener, StartupError> {
    let addr = SocketAddr::new(settings.bind, port);
    TcpListener::bind(addr).map_err(|source| StartupError::Bind { addr, var, source })
}

fn asset_dir(settings: &Settings, name: &str) -> Result<PathBuf, StartupError> {
    let dir = settings.assets_dir.join(name);
    if dir.is_dir() { Ok(dir) } else { Err(StartupError::Assets { path: dir.display().to_string() }) }
}
