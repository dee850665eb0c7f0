//! The effective settings, in small groups defined beside their owners, and the rules that
//! involve more than one variable.

use std::path::PathBuf;

use super::vars::{ATTACKER_PORT, BANK_PORT, BIND, SAMESITE_ATTACKER_PORT, UPSTREAM_PORT};
use crate::audit::AuditSettings;
use crate::browser::finder::Overrides;
use crate::identity::mode::{IdentitySettings, MtlsMode};
use crate::lab::LabSettings;
use crate::protections::Protections;
use crate::proxy::settings::ProxySettings;
use crate::sites::Network;
use crate::transfers::Limits;

#[derive(Debug, Clone)]
pub struct Settings {
    pub network: Network,
    pub paths: Paths,
    pub identity: IdentitySettings,
    pub proxy: ProxySettings,
    pub protections: Protections,
    pub transfers: Limits,
    pub lab: LabSettings,
    pub audit: AuditSettings,
    /// `LAB_CHROMIUM`, `LAB_FIREFOX`: the browsers `clickjack-lab browser` starts.
    pub browsers: Overrides,
}

/// Where the lab keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `LAB_DATABASE`: the SQLite file.
    pub database: PathBuf,
    /// `LAB_CERTS_DIR`: the lab PKI.
    pub certs: PathBuf,
    /// `LAB_ASSETS_DIR`: the folder holding `static/` and `attacker-site/`.
    pub assets: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}={value:?} is not valid; allowed values: {allowed}")]
    Invalid { var: &'static str, value: String, allowed: String },
    #[error("{var}: {reason}")]
    Bad { var: &'static str, reason: String },
    #[error("{0} is not valid Unicode")]
    NotUnicode(String),
    #[error(
        "{name} is not a variable of the lab{}; `clickjack-lab --help` lists them all",
        .suggestion.map(|s| format!(" (did you mean {s}?)")).unwrap_or_default()
    )]
    Unknown { name: String, suggestion: Option<&'static str> },
}

impl Settings {
    /// The rules across variables: each site its own port; proxy mode on loopback.
    pub(super) fn check(&self) -> Result<(), ConfigError> {
        self.check_ports()?;
        self.check_proxy()
    }

    fn check_ports(&self) -> Result<(), ConfigError> {
        let upstream = if self.identity.mtls == MtlsMode::Proxy { self.proxy.upstream_port } else { 0 };
        let ports = [
            (BANK_PORT.name, self.network.bank_port),
            (ATTACKER_PORT.name, self.network.attacker_port),
            (SAMESITE_ATTACKER_PORT.name, self.network.samesite_attacker_port),
            (UPSTREAM_PORT.name, upstream),
        ];
        for (i, (var, port)) in ports.iter().enumerate() {
            if let Some((other, _)) = ports[..i].iter().find(|(_, p)| p == port && *port != 0) {
                return Err(ConfigError::Bad {
                    var,
                    reason: format!("{port} is also {other}; each site needs its own port"),
                });
            }
        }
        Ok(())
    }

    /// The bank's plain-HTTP upstream must not be reachable from other machines.
    fn check_proxy(&self) -> Result<(), ConfigError> {
        if self.identity.mtls != MtlsMode::Proxy {
            return Ok(());
        }
        if self.network.bank_port == 0 {
            return Err(ConfigError::Bad {
                var: BANK_PORT.name,
                reason: "with LAB_MTLS=proxy it is the proxy's port, which the bank must know: not 0".into(),
            });
        }
        if !self.network.bind.is_loopback() {
            return Err(ConfigError::Bad {
                var: BIND.name,
                reason: format!(
                    "{} is not a loopback address: with LAB_MTLS=proxy the bank speaks plain HTTP and \
                     trusts a header, so it listens on loopback only (put the proxy on the public address)",
                    self.network.bind
                ),
            });
        }
        Ok(())
    }

    /// Refuses a non-loopback bind while any protection is off, unless `LAB_ALLOW_PUBLIC=yes`: the
    /// rule of serving (the maintenance commands listen nowhere).
    pub fn check_public_bind(&self) -> Result<(), ConfigError> {
        let off = self.protections.disabled();
        if self.network.bind.is_loopback() || off.is_empty() || self.network.allow_public {
            return Ok(());
        }
        Err(ConfigError::Bad {
            var: BIND.name,
            reason: format!(
                "refusing to bind {} while protections are off ({}): anyone who can reach this \
                 machine could use the attack pages against the bank and its seeded accounts. \
                 Bind a loopback address, turn the protections on, or set LAB_ALLOW_PUBLIC=yes \
                 if this network is yours",
                self.network.bind,
                off.join(", ")
            ),
        })
    }
}
