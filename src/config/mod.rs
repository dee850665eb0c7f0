//! Settings, parsed once from the `LAB_*` environment variables into typed values.
//!
//! Every variable is listed in [`VARS`] with its default; `--help` prints that table, so the help
//! and the parser cannot disagree. An invalid value stops start-up with a message that names the
//! variable and the values it accepts.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::money::Money;
use crate::origin::{self, Origin};
use crate::protections::{FrameBuster, FrameMode, FramePolicy, Protections, SameSite};

mod vars;

pub use vars::{EnvVar, VARS};

/// How the bank learns who the client is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtlsMode {
    /// A client certificate from the lab CA is required; its CN is the sign-in.
    Required,
    /// A presented certificate signs in; without one, password login and a session cookie.
    Optional,
    /// Server-only TLS; password login and a session cookie.
    Off,
    /// Plain HTTP on loopback behind a TLS-terminating proxy that verifies the certificate and
    /// forwards it in a header (`LAB_CLIENT_CERT_HEADER`), honoured from `LAB_TRUSTED_PROXIES` only.
    Proxy,
}

impl MtlsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Optional => "optional",
            Self::Off => "off",
            Self::Proxy => "proxy",
        }
    }

    /// Whether a password sign-in is offered in this mode.
    pub fn allows_password(self) -> bool {
        matches!(self, Self::Optional | Self::Off)
    }

    /// Whether the certificate is the sign-in (presented in the handshake or forwarded by the proxy).
    pub fn certificate_signs_in(self) -> bool {
        !matches!(self, Self::Off)
    }
}

/// What links a client certificate to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertBinding {
    /// The certificate's SHA-256 fingerprint must be bound to the user its CN names.
    Fingerprint,
    /// Any valid certificate from the lab CA signs in the user its CN names.
    Cn,
}

impl CertBinding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fingerprint => "fingerprint",
            Self::Cn => "cn",
        }
    }
}

/// Which peers may forward a client certificate in proxy mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustedProxies {
    /// Only these addresses (the proxy's); the header is stripped from anyone else.
    Only(Vec<IpAddr>),
    /// Anyone: the trust check is off, and any client that sets the header is whoever it names.
    Any,
}

impl TrustedProxies {
    pub fn trusts(&self, peer: IpAddr) -> bool {
        match self {
            Self::Any => true,
            Self::Only(list) => list.contains(&peer),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Any => "any".to_owned(),
            Self::Only(list) => list.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(" "),
        }
    }
}

/// The proxy's own address in the lab: a loopback address of its own (Linux answers on all of
/// 127.0.0.0/8), so that the bank can tell it from every other local client.
pub const PROXY_ADDRESS: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: IpAddr,
    pub bank_port: u16,
    pub attacker_port: u16,
    pub database: PathBuf,
    pub certs_dir: PathBuf,
    pub assets_dir: PathBuf,
    pub mtls: MtlsMode,
    pub protections: Protections,
    pub transfer_cap: Money,
    /// Transfers above this need a second confirmation step.
    pub confirm_above: Money,
    pub samesite_attacker_port: u16,
    pub allow_public: bool,
    pub cert_binding: CertBinding,
    /// Proxy mode: the port the bank itself listens on (plain HTTP, loopback); the proxy listens
    /// on `bank_port`.
    pub upstream_port: u16,
    /// Proxy mode: the header the proxy forwards the client certificate in (lowercase).
    pub client_cert_header: actix_web::http::header::HeaderName,
    pub trusted_proxies: TrustedProxies,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}={value:?} is not valid; allowed values: {allowed}")]
    Invalid { var: &'static str, value: String, allowed: String },
    #[error("{var}: {reason}")]
    Bad { var: &'static str, reason: String },
    #[error("{0} is not valid Unicode")]
    NotUnicode(&'static str),
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        for var in VARS {
            if let Err(std::env::VarError::NotUnicode(_)) = std::env::var(var.name) {
                return Err(ConfigError::NotUnicode(var.name));
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Parses settings from `NAME=value` pairs (tests and the lab's matrix; nothing global is touched).
    pub fn from_pairs(vars: &[(&str, &str)]) -> Result<Self, ConfigError> {
        Self::from_lookup(|name| vars.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
    }

    /// Parses settings from any source of variables (tests pass a map; nothing global is touched).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        let preset_on = env.choice("LAB_PROTECTIONS", &[("on", true), ("off", false)])?.unwrap_or(true);

        let frame = FramePolicy {
            mode: env
                .choice(
                    "LAB_FRAME",
                    &[
                        ("deny", FrameMode::Deny),
                        ("sameorigin", FrameMode::SameOrigin),
                        ("allowlist", FrameMode::Allowlist),
                        ("off", FrameMode::Off),
                        ("meta", FrameMode::Meta),
                        ("allow-from", FrameMode::AllowFrom),
                        ("report-only", FrameMode::ReportOnly),
                    ],
                )?
                .unwrap_or(if preset_on { FrameMode::Deny } else { FrameMode::Off }),
            ancestors: env.origins("LAB_FRAME_ANCESTORS")?,
        };
        let on_off = [("on", true), ("off", false)];
        let protections = Protections {
            frame,
            origin_check: env.choice("LAB_ORIGIN_CHECK", &on_off)?.unwrap_or(preset_on),
            allowed_origins: env.origins("LAB_ALLOWED_ORIGINS")?,
            csrf_token: env.choice("LAB_CSRF_TOKEN", &on_off)?.unwrap_or(preset_on),
            samesite: env
                .choice(
                    "LAB_SAMESITE",
                    &[("strict", SameSite::Strict), ("lax", SameSite::Lax), ("none", SameSite::None)],
                )?
                .unwrap_or(if preset_on { SameSite::Strict } else { SameSite::None }),
            fetch_metadata: env.choice("LAB_FETCH_METADATA", &on_off)?.unwrap_or(preset_on),
            gesture_guard: env.choice("LAB_GESTURE_GUARD", &on_off)?.unwrap_or(preset_on),
            // Script is not a defence: never switched on by the preset.
            framebuster: env
                .choice(
                    "LAB_FRAMEBUSTER",
                    &[
                        ("classic", FrameBuster::Classic),
                        ("hidden", FrameBuster::Hidden),
                        ("off", FrameBuster::Off),
                    ],
                )?
                .unwrap_or(FrameBuster::Off),
        };

        let settings = Settings {
            bind: env
                .parsed("LAB_BIND", "an IP address such as 127.0.0.1 or ::1")?
                .unwrap_or(IpAddr::from([127, 0, 0, 1])),
            bank_port: env.parsed("LAB_BANK_PORT", "a port number 0-65535")?.unwrap_or(8443),
            attacker_port: env.parsed("LAB_ATTACKER_PORT", "a port number 0-65535")?.unwrap_or(8666),
            database: env
                .get("LAB_DATABASE")
                .map_or_else(|| "data/clickjack-lab.sqlite".into(), PathBuf::from),
            certs_dir: env.get("LAB_CERTS_DIR").map_or_else(|| "certs".into(), PathBuf::from),
            assets_dir: env
                .get("LAB_ASSETS_DIR")
                .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from),
            mtls: env
                .choice(
                    "LAB_MTLS",
                    &[
                        ("required", MtlsMode::Required),
                        ("optional", MtlsMode::Optional),
                        ("off", MtlsMode::Off),
                        ("proxy", MtlsMode::Proxy),
                    ],
                )?
                .unwrap_or(MtlsMode::Required),
            protections,
            transfer_cap: env.amount("LAB_TRANSFER_CAP")?.unwrap_or(Money::from_cents(250_000)),
            confirm_above: env.amount("LAB_CONFIRM_ABOVE")?.unwrap_or(Money::from_cents(50_000)),
            samesite_attacker_port: env
                .parsed("LAB_SAMESITE_ATTACKER_PORT", "a port number 0-65535")?
                .unwrap_or(8667),
            allow_public: env.choice("LAB_ALLOW_PUBLIC", &[("yes", true), ("no", false)])?.unwrap_or(false),
            cert_binding: env
                .choice(
                    "LAB_CERT_BINDING",
                    &[("fingerprint", CertBinding::Fingerprint), ("cn", CertBinding::Cn)],
                )?
                .unwrap_or(CertBinding::Fingerprint),
            upstream_port: env.parsed("LAB_UPSTREAM_PORT", "a port number 0-65535")?.unwrap_or(8480),
            client_cert_header: env
                .header("LAB_CLIENT_CERT_HEADER")?
                .unwrap_or_else(|| actix_web::http::header::HeaderName::from_static("x-ssl-client-cert")),
            trusted_proxies: env.trusted_proxies("LAB_TRUSTED_PROXIES")?,
        };
        settings.check_ports()?;
        settings.check_proxy()?;
        Ok(settings)
    }

    /// The bank's plain-HTTP upstream must not be reachable from other machines.
    fn check_proxy(&self) -> Result<(), ConfigError> {
        if self.mtls != MtlsMode::Proxy {
            return Ok(());
        }
        if self.bank_port == 0 {
            return Err(ConfigError::Bad {
                var: "LAB_BANK_PORT",
                reason: "with LAB_MTLS=proxy it is the proxy's port, which the bank must know: not 0".into(),
            });
        }
        if !self.bind.is_loopback() {
            return Err(ConfigError::Bad {
                var: "LAB_BIND",
                reason: format!(
                    "{} is not a loopback address: with LAB_MTLS=proxy the bank speaks plain HTTP and \
                     trusts a header, so it listens on loopback only (put the proxy on the public address)",
                    self.bind
                ),
            });
        }
        Ok(())
    }

    fn check_ports(&self) -> Result<(), ConfigError> {
        let upstream = if self.mtls == MtlsMode::Proxy { self.upstream_port } else { 0 };
        let ports = [
            ("LAB_BANK_PORT", self.bank_port),
            ("LAB_ATTACKER_PORT", self.attacker_port),
            ("LAB_SAMESITE_ATTACKER_PORT", self.samesite_attacker_port),
            ("LAB_UPSTREAM_PORT", upstream),
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

    /// Refuses a non-loopback bind while any protection is off, unless `LAB_ALLOW_PUBLIC=yes`.
    pub fn check_public_bind(&self) -> Result<(), ConfigError> {
        let off = self.protections.disabled();
        if self.bind.is_loopback() || off.is_empty() || self.allow_public {
            return Ok(());
        }
        Err(ConfigError::Bad {
            var: "LAB_BIND",
            reason: format!(
                "refusing to bind {} while protections are off ({}): anyone who can reach this \
                 machine could use the attack pages against the bank and its seeded accounts. \
                 Bind a loopback address, turn the protections on, or set LAB_ALLOW_PUBLIC=yes \
                 if this network is yours",
                self.bind,
                off.join(", ")
            ),
        })
    }
}

/// Reads and parses variables, treating an empty value as unset.
struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    fn get(&self, var: &str) -> Option<String> {
        (self.0)(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn choice<T: Copy>(&self, var: &'static str, options: &[(&str, T)]) -> Result<Option<T>, ConfigError> {
        let Some(value) = self.get(var) else { return Ok(None) };
        options.iter().find(|(name, _)| name.eq_ignore_ascii_case(&value)).map(|&(_, v)| Some(v)).ok_or_else(
            || ConfigError::Invalid {
                var,
                value,
                allowed: options.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", "),
            },
        )
    }

    fn parsed<T: std::str::FromStr>(
        &self,
        var: &'static str,
        expected: &str,
    ) -> Result<Option<T>, ConfigError> {
        let Some(value) = self.get(var) else { return Ok(None) };
        value
            .parse()
            .map(Some)
            .map_err(|_| ConfigError::Bad { var, reason: format!("{value:?} is not {expected}") })
    }

    fn amount(&self, var: &'static str) -> Result<Option<Money>, ConfigError> {
        let Some(text) = self.get(var) else { return Ok(None) };
        Money::parse(&text).ok().filter(|m| m.cents() > 0).map(Some).ok_or_else(|| ConfigError::Bad {
            var,
            reason: format!("{text:?} is not a positive amount with at most 2 decimals, such as 500.00"),
        })
    }

    fn header(&self, var: &'static str) -> Result<Option<actix_web::http::header::HeaderName>, ConfigError> {
        let Some(value) = self.get(var) else { return Ok(None) };
        actix_web::http::header::HeaderName::from_bytes(value.as_bytes()).map(Some).map_err(|_| {
            ConfigError::Bad {
                var,
                reason: format!("{value:?} is not an HTTP header name, such as X-SSL-Client-Cert"),
            }
        })
    }

    fn trusted_proxies(&self, var: &'static str) -> Result<TrustedProxies, ConfigError> {
        let Some(value) = self.get(var) else { return Ok(TrustedProxies::Only(vec![PROXY_ADDRESS])) };
        if value.eq_ignore_ascii_case("any") {
            return Ok(TrustedProxies::Any);
        }
        value
            .split([' ', ','])
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpAddr>().map_err(|_| ConfigError::Bad {
                    var,
                    reason: format!(
                        "{part:?} is not an IP address; expected addresses separated by spaces \
                         (e.g. 127.0.0.2), or \"any\" to switch the trust check off"
                    ),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies::Only)
    }

    fn origins(&self, var: &'static str) -> Result<Vec<Origin>, ConfigError> {
        let Some(value) = self.get(var) else { return Ok(Vec::new()) };
        origin::parse_list(&value).map_err(|e| ConfigError::Bad {
            var,
            reason: format!(
                "{e}; expected origins (scheme://host[:port]) separated by spaces, e.g. https://a.test"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_pairs(vars)
    }

    #[test]
    fn defaults_are_secure() {
        let s = parse(&[]).unwrap();
        assert_eq!(s.mtls, MtlsMode::Required);
        assert_eq!(s.protections.frame.mode, FrameMode::Deny);
        assert!(s.protections.origin_check && s.protections.csrf_token);
        assert!(s.protections.fetch_metadata && s.protections.gesture_guard);
        assert_eq!(s.protections.framebuster, FrameBuster::Off, "script is not a defence");
        assert_eq!(s.confirm_above.cents(), 50_000);
        assert_eq!(s.protections.samesite, SameSite::Strict);
        assert!(s.bind.is_loopback());
        assert!(s.protections.disabled().is_empty());
        assert_eq!(s.cert_binding, CertBinding::Fingerprint);
        assert_eq!(s.trusted_proxies, TrustedProxies::Only(vec![PROXY_ADDRESS]));
        assert_eq!(s.client_cert_header.as_str(), "x-ssl-client-cert");
    }

    #[test]
    fn proxy_settings_parse_and_stay_on_loopback() {
        let s = parse(&[
            ("LAB_MTLS", "proxy"),
            ("LAB_TRUSTED_PROXIES", "127.0.0.2, ::1"),
            ("LAB_CLIENT_CERT_HEADER", "X-Forwarded-Client-Cert"),
        ])
        .unwrap();
        assert_eq!(s.mtls, MtlsMode::Proxy);
        assert!(s.trusted_proxies.trusts("::1".parse().unwrap()));
        assert!(!s.trusted_proxies.trusts("127.0.0.1".parse().unwrap()));
        assert_eq!(s.client_cert_header.as_str(), "x-forwarded-client-cert");
        assert_eq!(parse(&[("LAB_TRUSTED_PROXIES", "ANY")]).unwrap().trusted_proxies, TrustedProxies::Any);
        let err = parse(&[("LAB_TRUSTED_PROXIES", "nginx")]).unwrap_err().to_string();
        assert!(err.contains("LAB_TRUSTED_PROXIES") && err.contains("any"), "{err}");
        let err = parse(&[("LAB_CLIENT_CERT_HEADER", "bad header")]).unwrap_err().to_string();
        assert!(err.contains("LAB_CLIENT_CERT_HEADER"), "{err}");
        let err = parse(&[("LAB_MTLS", "proxy"), ("LAB_BIND", "0.0.0.0")]).unwrap_err().to_string();
        assert!(err.contains("LAB_BIND") && err.contains("loopback"), "{err}");
        let err = parse(&[("LAB_CERT_BINDING", "serial")]).unwrap_err().to_string();
        assert!(err.contains("fingerprint, cn"), "{err}");
    }

    #[test]
    fn preset_off_is_overridden_by_single_flags() {
        let s = parse(&[("LAB_PROTECTIONS", "off"), ("LAB_CSRF_TOKEN", "on")]).unwrap();
        assert_eq!(s.protections.frame.mode, FrameMode::Off);
        assert!(!s.protections.origin_check);
        assert!(s.protections.csrf_token);
        assert_eq!(s.protections.samesite, SameSite::None);
        assert!(!s.protections.fetch_metadata && !s.protections.gesture_guard);
        assert_eq!(s.mtls, MtlsMode::Required, "the preset never changes LAB_MTLS");
    }

    #[test]
    fn invalid_values_name_the_variable_and_the_choices() {
        let err = parse(&[("LAB_FRAME", "bogus")]).unwrap_err().to_string();
        assert!(err.contains("LAB_FRAME") && err.contains("deny, sameorigin, allowlist, off"), "{err}");
        let err = parse(&[("LAB_BANK_PORT", "99999")]).unwrap_err().to_string();
        assert!(err.contains("LAB_BANK_PORT"), "{err}");
        let err = parse(&[("LAB_FRAME", "allowlist"), ("LAB_FRAME_ANCESTORS", "https://a.test/x")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("LAB_FRAME_ANCESTORS"), "{err}");
        let err = parse(&[("LAB_TRANSFER_CAP", "0")]).unwrap_err().to_string();
        assert!(err.contains("LAB_TRANSFER_CAP"), "{err}");
        let err = parse(&[("LAB_FRAMEBUSTER", "on")]).unwrap_err().to_string();
        assert!(err.contains("LAB_FRAMEBUSTER") && err.contains("classic, hidden, off"), "{err}");
        let err = parse(&[("LAB_ATTACKER_PORT", "9000"), ("LAB_SAMESITE_ATTACKER_PORT", "9000")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("LAB_SAMESITE_ATTACKER_PORT"), "{err}");
    }

    #[test]
    fn public_bind_needs_consent_while_protections_are_off() {
        let s = parse(&[("LAB_BIND", "0.0.0.0"), ("LAB_PROTECTIONS", "off")]).unwrap();
        let err = s.check_public_bind().unwrap_err().to_string();
        assert!(err.contains("LAB_ALLOW_PUBLIC=yes"), "{err}");
        let s = parse(&[("LAB_BIND", "0.0.0.0"), ("LAB_PROTECTIONS", "off"), ("LAB_ALLOW_PUBLIC", "yes")])
            .unwrap();
        assert!(s.check_public_bind().is_ok());
        let s = parse(&[("LAB_BIND", "0.0.0.0")]).unwrap();
        assert!(s.check_public_bind().is_ok());
    }
}
