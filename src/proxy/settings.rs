//! The proxy mode's settings: where the bank itself listens, the header the proxy forwards the
//! certificate in, and who may send that header.

use std::net::IpAddr;

use actix_web::http::header::HeaderName;

/// The proxy's own address in the lab: a loopback address of its own (Linux answers on all of
/// 127.0.0.0/8), so that the bank can tell it from every other local client.
pub const PROXY_ADDRESS: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

/// `LAB_UPSTREAM_PORT`, `LAB_CLIENT_CERT_HEADER`, `LAB_TRUSTED_PROXIES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySettings {
    /// The port the bank itself listens on (plain HTTP, loopback); the proxy listens on the bank's port.
    pub upstream_port: u16,
    /// The header the proxy forwards the client certificate in (lowercase).
    pub header: HeaderName,
    pub trusted: TrustedProxies,
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
