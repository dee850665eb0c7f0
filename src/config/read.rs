//! Reading one variable of the table: the given value, else the table's default, parsed the same
//! way, or an error that names the variable and what it accepts.

use std::net::IpAddr;
use std::path::PathBuf;

use actix_web::http::header::HeaderName;

use super::settings::ConfigError;
use super::vars::Var;
use crate::money::Money;
use crate::origin::{self, Origin};
use crate::proxy::settings::TrustedProxies;

/// The variables as given, and the `LAB_PROTECTIONS` preset that some defaults follow.
pub(super) struct Env<'a> {
    given: &'a dyn Fn(&str) -> Option<String>,
    pub preset_on: bool,
}

impl<'a> Env<'a> {
    pub fn new(given: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { given, preset_on: true }
    }

    /// The value given (trimmed; empty counts as unset), else the default's.
    fn text(&self, var: &Var) -> Option<String> {
        (self.given)(var.name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .or_else(|| var.default_value(self.preset_on).map(str::to_owned))
    }

    /// The text, which a variable with a default always has.
    fn required(&self, var: &'static Var) -> Result<String, ConfigError> {
        self.text(var).ok_or_else(|| ConfigError::Bad { var: var.name, reason: "has no value".into() })
    }

    /// One of the variable's choices, mapped to its value.
    pub fn choice<T>(&self, var: &'static Var, map: impl Fn(&str) -> Option<T>) -> Result<T, ConfigError> {
        let text = self.required(var)?;
        let choice = var.choices.iter().find(|c| c.eq_ignore_ascii_case(&text));
        choice.and_then(|c| map(c)).ok_or_else(|| ConfigError::Invalid {
            var: var.name,
            value: text,
            allowed: var.choices.join(", "),
        })
    }

    /// `on` or `off` (or the variable's other two choices, such as `yes`/`no`): the first is true.
    pub fn switch(&self, var: &'static Var) -> Result<bool, ConfigError> {
        let first = var.choices.first().copied().unwrap_or("on");
        self.choice(var, |c| Some(c == first))
    }

    pub fn port(&self, var: &'static Var) -> Result<u16, ConfigError> {
        self.parsed(var, "a port number 0-65535")
    }

    pub fn address(&self, var: &'static Var) -> Result<IpAddr, ConfigError> {
        self.parsed(var, "an IP address such as 127.0.0.1 or ::1")
    }

    /// Milliseconds, from `least` (with the reason a shorter time is refused) to a minute.
    pub fn millis(&self, var: &'static Var, least: (u32, &str)) -> Result<u32, ConfigError> {
        let ms: u32 = self.parsed(var, "a number of milliseconds such as 1000")?;
        if ms > 60_000 {
            return Err(ConfigError::Bad { var: var.name, reason: format!("{ms} ms is over a minute") });
        }
        let (floor, why) = least;
        if ms < floor {
            return Err(ConfigError::Bad {
                var: var.name,
                reason: format!("{ms} ms is below {floor} ms: {why}"),
            });
        }
        Ok(ms)
    }

    /// A whole number, at least `least`.
    pub fn count(&self, var: &'static Var, least: u64) -> Result<u64, ConfigError> {
        let n: u64 = self.parsed(var, "a whole number such as 50000")?;
        if n < least {
            return Err(ConfigError::Bad { var: var.name, reason: format!("{n} is below {least}") });
        }
        Ok(n)
    }

    fn parsed<T: std::str::FromStr>(&self, var: &'static Var, expected: &str) -> Result<T, ConfigError> {
        let text = self.required(var)?;
        text.parse()
            .map_err(|_| ConfigError::Bad { var: var.name, reason: format!("{text:?} is not {expected}") })
    }

    pub fn path(&self, var: &'static Var) -> Option<PathBuf> {
        self.text(var).map(PathBuf::from)
    }

    pub fn amount(&self, var: &'static Var) -> Result<Money, ConfigError> {
        let text = self.required(var)?;
        Money::parse(&text).ok().filter(|m| m.cents() > 0).ok_or_else(|| ConfigError::Bad {
            var: var.name,
            reason: format!("{text:?} is not a positive amount with at most 2 decimals, such as 500.00"),
        })
    }

    pub fn header(&self, var: &'static Var) -> Result<HeaderName, ConfigError> {
        let text = self.required(var)?;
        HeaderName::from_bytes(text.as_bytes()).map_err(|_| ConfigError::Bad {
            var: var.name,
            reason: format!("{text:?} is not an HTTP header name, such as X-SSL-Client-Cert"),
        })
    }

    pub fn trusted_proxies(&self, var: &'static Var) -> Result<TrustedProxies, ConfigError> {
        let text = self.required(var)?;
        if text.eq_ignore_ascii_case("any") {
            return Ok(TrustedProxies::Any);
        }
        text.split([' ', ','])
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpAddr>().map_err(|_| ConfigError::Bad {
                    var: var.name,
                    reason: format!(
                        "{part:?} is not an IP address; expected addresses separated by spaces \
                         (e.g. 127.0.0.2), or \"any\" to switch the trust check off"
                    ),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies::Only)
    }

    pub fn origins(&self, var: &'static Var) -> Result<Vec<Origin>, ConfigError> {
        let Some(text) = self.text(var) else { return Ok(Vec::new()) };
        origin::parse_list(&text).map_err(|e| ConfigError::Bad {
            var: var.name,
            reason: format!(
                "{e}; expected origins (scheme://host[:port]) separated by spaces, e.g. https://a.test"
            ),
        })
    }
}
