//! Settings, parsed once from the `LAB_*` environment variables into typed values.
//!
//! [`vars`] is the one table of variables: name, default, accepted values and help. The parser
//! ([`parse`], [`read`]) reads exactly those names, a default through the same code as a given
//! value, and `--help` prints the table. An invalid value, or a `LAB_*` name the table does not
//! know, stops start-up with a message that names the variable and what it accepts.

mod parse;
mod read;
mod settings;
mod switch;
pub mod vars;

pub use settings::{ConfigError, Paths, Settings};
pub use switch::SWITCHABLE;
pub use vars::{VARS, Var};

impl Settings {
    /// Reads the process environment; a `LAB_*` variable the lab does not know is an error.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut names = Vec::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str().map(str::to_owned) else { continue };
            if VARS.iter().any(|v| v.name == name) && value.to_str().is_none() {
                return Err(ConfigError::NotUnicode(name));
            }
            names.push(name);
        }
        refuse_unknown(names.iter().map(String::as_str))?;
        Self::parse(&|name| std::env::var(name).ok())
    }

    /// Parses settings from `NAME=value` pairs (the lab's matrix, and tests; nothing global is
    /// touched). A later pair wins; an unknown `LAB_*` name is an error, as in the environment.
    pub fn from_pairs(vars: &[(&str, &str)]) -> Result<Self, ConfigError> {
        refuse_unknown(vars.iter().map(|(name, _)| *name))?;
        Self::parse(&|name| vars.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
    }

    /// The settings with nothing set.
    pub fn defaults() -> Self {
        Self::from_pairs(&[]).expect("the defaults in the table are valid")
    }

    fn parse(given: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let settings = parse::settings(&mut read::Env::new(given))?;
        settings.check()?;
        Ok(settings)
    }
}

/// A `LAB_*` name that is not in the table: a typo would otherwise leave a protection on (or
/// off) while the trainer believes otherwise.
fn refuse_unknown<'a>(names: impl Iterator<Item = &'a str>) -> Result<(), ConfigError> {
    for name in names {
        if name.starts_with("LAB_") && !VARS.iter().any(|v| v.name == name) {
            return Err(ConfigError::Unknown { name: name.to_owned(), suggestion: vars::closest(name) });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::mode::{CertBinding, MtlsMode};
    use crate::protections::{FrameBuster, FrameMode, SameSite};
    use crate::proxy::settings::{PROXY_ADDRESS, TrustedProxies};

    fn parse(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_pairs(vars)
    }

    #[test]
    fn defaults_are_secure() {
        let s = Settings::defaults();
        assert_eq!(s.identity.mtls, MtlsMode::Required);
        assert_eq!(s.protections.frame.mode, FrameMode::Deny);
        assert!(s.protections.origin_check && s.protections.csrf_token);
        assert!(s.protections.fetch_metadata && s.protections.gesture_guard);
        assert_eq!(s.protections.gesture_delay_ms, 1000);
        assert_eq!(s.protections.framebuster, FrameBuster::Off, "script is not a defence");
        assert_eq!(s.transfers.confirm_above.cents(), 50_000);
        assert_eq!(s.transfers.cap.cents(), 250_000);
        assert_eq!(s.protections.samesite, SameSite::Strict);
        assert!(s.network.bind.is_loopback());
        assert_eq!(
            (s.network.bank_port, s.network.attacker_port, s.network.samesite_attacker_port),
            (8443, 8666, 8667)
        );
        assert!(s.protections.disabled().is_empty());
        assert_eq!(s.identity.binding, CertBinding::Fingerprint);
        assert_eq!(s.proxy.trusted, TrustedProxies::Only(vec![PROXY_ADDRESS]));
        assert_eq!(s.proxy.header.as_str(), "x-ssl-client-cert");
        assert_eq!(s.lab.popup_window_ms, 1500);
    }

    #[test]
    fn every_choice_of_every_variable_parses_and_the_help_shows_each_default() {
        for var in VARS {
            for choice in var.choices {
                let parsed = parse(&[(var.name, choice)]);
                assert!(parsed.is_ok(), "{}={choice}: {:?}", var.name, parsed.err());
                let upper = choice.to_uppercase();
                assert!(parse(&[(var.name, &upper)]).is_ok(), "{}={upper}: choices are case-blind", var.name);
            }
            assert!(!var.default_text().is_empty(), "{}", var.name);
        }
    }

    #[test]
    fn unknown_lab_names_are_refused_with_the_closest_known_name() {
        let err = parse(&[("LAB_FRAMES", "off")]).unwrap_err().to_string();
        assert!(err.contains("LAB_FRAMES") && err.contains("did you mean LAB_FRAME?"), "{err}");
        let err = parse(&[("LAB_CSRF", "off")]).unwrap_err().to_string();
        assert!(err.contains("did you mean LAB_CSRF_TOKEN?"), "{err}");
        let err = parse(&[("LAB_WHATEVER_ELSE_ENTIRELY", "1")]).unwrap_err().to_string();
        assert!(err.contains("LAB_WHATEVER_ELSE_ENTIRELY") && !err.contains("did you mean"), "{err}");
        assert!(parse(&[("HOME", "/root"), ("RUST_LOG", "debug")]).is_ok(), "only LAB_* names are the lab's");
    }

    #[test]
    fn proxy_settings_parse_and_stay_on_loopback() {
        let s = parse(&[
            ("LAB_MTLS", "proxy"),
            ("LAB_TRUSTED_PROXIES", "127.0.0.2, ::1"),
            ("LAB_CLIENT_CERT_HEADER", "X-Forwarded-Client-Cert"),
        ])
        .unwrap();
        assert_eq!(s.identity.mtls, MtlsMode::Proxy);
        assert!(s.proxy.trusted.trusts("::1".parse().unwrap()));
        assert!(!s.proxy.trusted.trusts("127.0.0.1".parse().unwrap()));
        assert_eq!(s.proxy.header.as_str(), "x-forwarded-client-cert");
        assert_eq!(parse(&[("LAB_TRUSTED_PROXIES", "ANY")]).unwrap().proxy.trusted, TrustedProxies::Any);
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
        assert_eq!(s.identity.mtls, MtlsMode::Required, "the preset never changes LAB_MTLS");
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
        let err = parse(&[("LAB_GESTURE_DELAY_MS", "soon")]).unwrap_err().to_string();
        assert!(err.contains("LAB_GESTURE_DELAY_MS") && err.contains("milliseconds"), "{err}");
        let err = parse(&[("LAB_GESTURE_DELAY_MS", "100")]).unwrap_err().to_string();
        assert!(err.contains("below 500 ms") && err.contains("DoubleClickjacking"), "{err}");
        let err = parse(&[("LAB_POPUP_WINDOW_MS", "600000")]).unwrap_err().to_string();
        assert!(err.contains("LAB_POPUP_WINDOW_MS") && err.contains("over a minute"), "{err}");
    }

    #[test]
    fn public_bind_needs_consent_while_protections_are_off() {
        let s = parse(&[("LAB_BIND", "0.0.0.0"), ("LAB_PROTECTIONS", "off")]).unwrap();
        let err = s.check_public_bind().unwrap_err().to_string();
        assert!(err.contains("LAB_ALLOW_PUBLIC=yes"), "{err}");
        let consent = [("LAB_BIND", "0.0.0.0"), ("LAB_PROTECTIONS", "off"), ("LAB_ALLOW_PUBLIC", "yes")];
        assert!(parse(&consent).unwrap().check_public_bind().is_ok());
        assert!(parse(&[("LAB_BIND", "0.0.0.0")]).unwrap().check_public_bind().is_ok());
    }
}
