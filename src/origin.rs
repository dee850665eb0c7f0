//! Web origins (`scheme://host[:port]`): parsed, normalised and compared the way browsers do.

use std::fmt;

use url::{Host, Url};

/// A tuple origin: lowercase scheme and host, explicit port only when it is not the default.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OriginError {
    #[error("\"{0}\" is not a URL")]
    NotAUrl(String),
    #[error("\"{0}\" is not an http or https origin")]
    NotHttp(String),
    #[error("\"{0}\" has a path, query or fragment; an origin is only scheme://host[:port]")]
    HasPath(String),
    #[error("\"{0}\" has a host that is neither a DNS name nor an IP address")]
    BadHost(String),
}

impl Origin {
    /// Parses an origin as it appears in an `Origin` header or in a flag: no path allowed.
    pub fn parse(text: &str) -> Result<Self, OriginError> {
        let url = Url::parse(text).map_err(|_| OriginError::NotAUrl(text.to_owned()))?;
        let bare = url.path() == "/" && !text.trim_end_matches('/').ends_with('/');
        if !bare || url.query().is_some() || url.fragment().is_some() {
            return Err(OriginError::HasPath(text.to_owned()));
        }
        Self::of_url(&url, text)
    }

    /// The origin of a full URL, as in a `Referer` header.
    pub fn of_referer(text: &str) -> Result<Self, OriginError> {
        let url = Url::parse(text).map_err(|_| OriginError::NotAUrl(text.to_owned()))?;
        Self::of_url(&url, text)
    }

    fn of_url(url: &Url, text: &str) -> Result<Self, OriginError> {
        if !matches!(url.scheme(), "http" | "https") || !url.username().is_empty() {
            return Err(OriginError::NotHttp(text.to_owned()));
        }
        // `Url` lowercases scheme and host, brackets IPv6 hosts and drops default ports. It also
        // lets through host characters such as `*`, `;` or `'`, which would change the meaning
        // of a CSP source list: only DNS names (letters, digits, '-', '.') and IP addresses pass.
        let host = match url.host() {
            Some(Host::Domain(name))
                if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') =>
            {
                name.to_owned()
            }
            Some(Host::Ipv4(_) | Host::Ipv6(_)) => url.host_str().unwrap_or_default().to_owned(),
            _ => return Err(OriginError::BadHost(text.to_owned())),
        };
        Ok(match url.port() {
            Some(port) => Self(format!("{}://{host}:{port}", url.scheme())),
            None => Self(format!("{}://{host}", url.scheme())),
        })
    }

    /// An `https` origin for a host name (or bracketed address) and port, the default port elided.
    pub fn https(host: &str, port: u16) -> Self {
        if port == 443 { Self(format!("https://{host}")) } else { Self(format!("https://{host}:{port}")) }
    }

    /// An `http` origin for a host name (or bracketed address) and port, the default port elided.
    pub fn http(host: &str, port: u16) -> Self {
        if port == 80 { Self(format!("http://{host}")) } else { Self(format!("http://{host}:{port}")) }
    }

    /// The port, explicit or the scheme's default.
    pub fn port(&self) -> u16 {
        let after_host = self.0.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()));
        match after_host.and_then(|(_, port)| port.parse().ok()) {
            Some(port) => port,
            None if self.0.starts_with("https:") => 443,
            None => 80,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The origins whose state-changing requests the bank accepts.
#[derive(Debug, Clone)]
pub struct AllowedOrigins(Vec<Origin>);

impl AllowedOrigins {
    /// Exactly these origins.
    pub fn from_list(origins: Vec<Origin>) -> Self {
        Self(origins)
    }

    pub fn contains(&self, origin: &Origin) -> bool {
        self.0.contains(origin)
    }

    pub fn describe(&self) -> String {
        self.0.iter().map(Origin::as_str).collect::<Vec<_>>().join(", ")
    }
}

/// Parses a space- or comma-separated list of origins, as taken by the `LAB_*_ORIGINS` flags.
pub fn parse_list(text: &str) -> Result<Vec<Origin>, OriginError> {
    text.split([' ', ',']).filter(|part| !part.is_empty()).map(Origin::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_default_ports() {
        assert_eq!(Origin::parse("HTTPS://LocalHost:443").unwrap().as_str(), "https://localhost");
        assert_eq!(Origin::parse("https://localhost:8443").unwrap().as_str(), "https://localhost:8443");
        assert_eq!(Origin::parse("http://[::1]:80/").unwrap().as_str(), "http://[::1]");
    }

    #[test]
    fn refuses_what_is_not_an_origin() {
        assert!(matches!(Origin::parse("null"), Err(OriginError::NotAUrl(_))));
        assert!(matches!(Origin::parse("https://a.test/path"), Err(OriginError::HasPath(_))));
        assert!(matches!(Origin::parse("ftp://a.test"), Err(OriginError::NotHttp(_))));
        assert!(matches!(Origin::parse("https://a.test//"), Err(OriginError::HasPath(_))));
    }

    #[test]
    fn knows_its_port() {
        assert_eq!(Origin::parse("https://localhost:8443").unwrap().port(), 8443);
        assert_eq!(Origin::parse("https://localhost").unwrap().port(), 443);
        assert_eq!(Origin::parse("http://[::1]").unwrap().port(), 80);
        assert_eq!(Origin::http("[::1]", 8666).port(), 8666);
    }

    #[test]
    fn takes_the_origin_of_a_referer() {
        assert_eq!(
            Origin::of_referer("https://localhost:8443/transfer/confirm?to=bob").unwrap().as_str(),
            "https://localhost:8443"
        );
    }

    #[test]
    fn parses_lists() {
        let list = parse_list("https://a.test, http://b.test:8080").unwrap();
        assert_eq!(list.len(), 2);
        assert!(parse_list("https://a.test nonsense").is_err());
        assert!(parse_list("").unwrap().is_empty());
    }
}
