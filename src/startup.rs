//! Builds the lab: PKI, database, TLS, and the two servers (the bank over mTLS, or plain HTTP
//! behind a proxy; the attacker site over plain HTTP and HTTPS), each bound to its own listener
//! (port 0 picks a free one).

use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};

use crate::accounts::bindings::{self, BindError};
use crate::audit::{self, AuditEvent};
use crate::config::{ConfigError, MtlsMode, Settings};
use crate::db::{self, DbError, SEED_USERS};
use crate::origin::Origin;
use crate::pki::{Pki, PkiError};
use crate::protections::fetch_metadata::refuse_framed_navigations;
use crate::protections::guard::guard;
use crate::protections::headers::{SecurityHeaders, security_headers};
use crate::protections::origin_check::AllowedOrigins;
use crate::state::AppState;
use crate::tls::{self, LabVerifier, TlsError};
use crate::{attacker, proxy, sessions, web as pages};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
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

/// Refused handshakes waiting for the audit log; beyond this many, they are logged and dropped.
const AUDIT_QUEUE: usize = 1024;

pub struct Application {
    ports: Ports,
    origins: Origins,
    /// Proxy mode: where the bank itself listens (plain HTTP).
    upstream: Option<SocketAddr>,
    bank: Server,
    attacker: Server,
    settings: Settings,
    crl_watch: Option<Arc<tokio::task::AbortHandle>>,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        settings.check_public_bind()?;
        let static_dir = asset_dir(&settings, "static")?;
        let attacker_dir = asset_dir(&settings, "attacker-site")?;
        let users: Vec<&str> = SEED_USERS.iter().map(|(name, _, _)| *name).collect();
        let (pki, issued) = Pki::ensure(&settings.certs_dir, &users, settings.bind)?;
        let pool = db::open(&settings.database).await?;
        sessions::purge_expired(&pool).await.map_err(DbError::from)?;
        bindings::bind_provisioned(&pool, &pki, &users, &issued).await?;

        // Handshake refusals go to the audit log through this channel (the verifier cannot wait
        // for the database).
        let (refusals, mut refused) = tokio::sync::mpsc::channel(AUDIT_QUEUE);
        let verifier = match settings.mtls {
            MtlsMode::Off => None,
            MtlsMode::Required | MtlsMode::Optional => Some(Arc::new(LabVerifier::new(
                &settings.certs_dir,
                settings.mtls == MtlsMode::Required,
                Some(refusals),
            )?)),
            // Forwarded certificates are audited with their request by `proxy`.
            MtlsMode::Proxy => Some(Arc::new(LabVerifier::new(&settings.certs_dir, true, None)?)),
        };
        let audit_pool = pool.clone();
        tokio::spawn(async move {
            while let Some(refusal) = refused.recv().await {
                if let Err(e) = audit::record(&audit_pool, &AuditEvent::handshake(&refusal)).await {
                    tracing::error!("could not record a refused handshake: {e}");
                }
            }
        });
        let crl_watch = verifier.as_ref().map(|v| Arc::new(v.watch().abort_handle()));
        let tls = match settings.mtls {
            MtlsMode::Proxy => None,
            MtlsMode::Off => Some(tls::server_config(&settings.certs_dir, None)?),
            MtlsMode::Required | MtlsMode::Optional => {
                Some(tls::server_config(&settings.certs_dir, verifier.clone())?)
            }
        };

        let (bank_listener, upstream) = if settings.mtls == MtlsMode::Proxy {
            let listener = listen(&settings, settings.upstream_port, "LAB_UPSTREAM_PORT")?;
            let addr = listener.local_addr().map_err(StartupError::Serve)?;
            (listener, Some(addr))
        } else {
            (listen(&settings, settings.bank_port, "LAB_BANK_PORT")?, None)
        };
        let attacker_listener = listen(&settings, settings.attacker_port, "LAB_ATTACKER_PORT")?;
        let samesite_listener =
            listen(&settings, settings.samesite_attacker_port, "LAB_SAMESITE_ATTACKER_PORT")?;
        let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).map_err(StartupError::Serve);
        let ports = Ports {
            // Behind a proxy, the browser's bank is the proxy.
            bank: if upstream.is_some() { settings.bank_port } else { port(&bank_listener)? },
            attacker: port(&attacker_listener)?,
            samesite_attacker: port(&samesite_listener)?,
        };
        let origins = Origins::new(settings.bind, ports);
        let mut allowed = settings.protections.allowed_origins.clone();
        allowed.push(origins.bank.clone());

        let state = web::Data::new(AppState {
            pool,
            allowed_origins: AllowedOrigins::new(ports.bank, &allowed),
            bank_origin: origins.bank.clone(),
            attacker_origin: origins.attacker.clone(),
            samesite_attacker_origin: origins.samesite_attacker.clone(),
            settings: settings.clone(),
            verifier,
        });
        let headers = web::Data::new(SecurityHeaders::new(&settings.protections.frame));

        let bank = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(headers.clone())
                .configure(|cfg| pages::routes(cfg, &static_dir))
                .wrap(from_fn(guard))
                .wrap(from_fn(refuse_framed_navigations))
                .wrap(ErrorHandlers::new().default_handler(pages::errors::render))
                .wrap(from_fn(security_headers))
                .wrap(from_fn(proxy::forwarded_identity))
        })
        .on_connect(tls::peer::on_connect)
        .workers(2)
        .disable_signals()
        .shutdown_timeout(5);
        let bank = match tls {
            Some(tls) => bank.listen_rustls_0_23(bank_listener, tls),
            None => bank.listen(bank_listener),
        }
        .map_err(StartupError::Serve)?
        .run();

        // The attacker site, twice: over plain HTTP (another site) and over HTTPS on another port
        // of the bank's host (the same site as the bank), with the bank's server certificate.
        let (bank_origin, samesite_origin) = (origins.bank.clone(), origins.samesite_attacker.clone());
        let attacker = HttpServer::new(move || {
            App::new().configure(|cfg| attacker::routes(cfg, &attacker_dir, &bank_origin, &samesite_origin))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(attacker_listener)
        .and_then(|server| {
            let tls = tls::server_config(&settings.certs_dir, None).map_err(io::Error::other)?;
            server.listen_rustls_0_23(samesite_listener, tls)
        })
        .map_err(StartupError::Serve)?
        .run();

        Ok(Self { ports, origins, upstream, bank, attacker, settings, crl_watch })
    }

    /// Proxy mode: the bank's own plain-HTTP address, which the proxy forwards to.
    pub fn upstream_url(&self) -> Option<String> {
        self.upstream.map(|addr| format!("http://{addr}"))
    }

    pub fn upstream_addr(&self) -> Option<SocketAddr> {
        self.upstream
    }

    pub fn bank_port(&self) -> u16 {
        self.ports.bank
    }

    pub fn attacker_port(&self) -> u16 {
        self.ports.attacker
    }

    pub fn bank_url(&self) -> String {
        self.origins.bank.to_string()
    }

    pub fn attacker_url(&self) -> String {
        self.origins.attacker.to_string()
    }

    pub fn samesite_attacker_url(&self) -> String {
        self.origins.samesite_attacker.to_string()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
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

/// The ports the three sites listen on.
#[derive(Debug, Clone, Copy)]
struct Ports {
    bank: u16,
    attacker: u16,
    samesite_attacker: u16,
}

/// Where a browser reaches the sites: the bank as `https://localhost` (or the bound address, when
/// that is a specific non-loopback one); the attacker as `http://` + a loopback address (another
/// site) and as `https://` + the bank's host on another port (the bank's own site).
#[derive(Debug, Clone)]
struct Origins {
    bank: Origin,
    attacker: Origin,
    samesite_attacker: Origin,
}

impl Origins {
    fn new(bind: IpAddr, ports: Ports) -> Self {
        let host = match bind {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        let (bank_host, attacker_host) = if bind.is_loopback() || bind.is_unspecified() {
            let loopback = if bind.is_ipv6() { "[::1]" } else { "127.0.0.1" };
            ("localhost".to_owned(), loopback.to_owned())
        } else {
            (host.clone(), host)
        };
        let attacker = format!("http://{attacker_host}:{}", ports.attacker);
        Self {
            bank: Origin::https(&bank_host, ports.bank),
            attacker: Origin::parse(&attacker).expect("an IP origin parses"),
            samesite_attacker: Origin::https(&bank_host, ports.samesite_attacker),
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

#[cfg(test)]
mod tests {
    use super::{Origins, Ports};

    #[test]
    fn the_sites_are_announced_where_they_listen() {
        let ports = Ports { bank: 8443, attacker: 8666, samesite_attacker: 8667 };
        let at = |bind: &str| {
            let origins = Origins::new(bind.parse().unwrap(), ports);
            assert_eq!(origins.samesite_attacker.as_str().replace("8667", "8443"), origins.bank.as_str());
            (origins.bank.to_string(), origins.attacker.to_string())
        };
        let local = ("https://localhost:8443".to_owned(), "http://127.0.0.1:8666".to_owned());
        assert_eq!(at("127.0.0.1"), local);
        assert_eq!(at("0.0.0.0"), local);
        assert_eq!(at("::1"), ("https://localhost:8443".to_owned(), "http://[::1]:8666".to_owned()));
        assert_eq!(
            at("192.168.7.9"),
            ("https://192.168.7.9:8443".to_owned(), "http://192.168.7.9:8666".to_owned())
        );
    }
}
