//! The three sites the lab serves and where a browser reaches them: the bank, the attacker on
//! another site, and the attacker on another origin of the bank's own site. Defined once, here,
//! for start-up, the bank's state, the lab's predictions and the tests.

use std::net::IpAddr;

use crate::origin::{AllowedOrigins, Origin};

/// Where the sites listen (`LAB_BIND`, `LAB_*_PORT`, `LAB_ALLOW_PUBLIC`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub bind: IpAddr,
    pub bank_port: u16,
    pub attacker_port: u16,
    pub samesite_attacker_port: u16,
    /// A non-loopback bind is allowed while protections are off.
    pub allow_public: bool,
}

/// The ports the three sites listen on (as bound: port 0 picks a free one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    pub bank: u16,
    pub attacker: u16,
    pub samesite_attacker: u16,
}

/// Where a browser reaches the sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sites {
    /// `https://localhost:<port>` (or the bound address, when that is a specific non-loopback one).
    pub bank: Origin,
    /// `http://127.0.0.1:<port>`: another *site* than the bank.
    pub cross_site: Origin,
    /// `https://localhost:<port>`: another origin of the bank's own site.
    pub same_site: Origin,
}

impl Sites {
    /// The bank as `https://localhost` (or the bound address, when that is a specific non-loopback
    /// one); the attacker as `http://` + a loopback address (another site) and as `https://` + the
    /// bank's host on another port (the bank's own site).
    pub fn new(bind: IpAddr, ports: Ports) -> Self {
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
        Self {
            bank: Origin::https(&bank_host, ports.bank),
            cross_site: Origin::http(&attacker_host, ports.attacker),
            same_site: Origin::https(&bank_host, ports.samesite_attacker),
        }
    }
}

impl Sites {
    /// Every origin the bank answers on: its own, and the other names of loopback (localhost,
    /// 127.0.0.1, [::1]) at its port.
    pub fn bank_origins(&self) -> Vec<Origin> {
        let port = self.bank.port();
        let mut origins = vec![self.bank.clone()];
        for host in ["localhost", "127.0.0.1", "[::1]"] {
            let origin = Origin::https(host, port);
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        origins
    }

    /// The origins whose state-changing requests the origin check accepts: the bank's, and `extra`
    /// (`LAB_ALLOWED_ORIGINS`).
    pub fn allowed_origins(&self, extra: &[Origin]) -> AllowedOrigins {
        let mut origins = self.bank_origins();
        // An extra that is one of the bank's own is listed once.
        for origin in extra {
            if !origins.contains(origin) {
                origins.push(origin.clone());
            }
        }
        AllowedOrigins::from_list(origins)
    }
}

impl Network {
    /// The configured ports (0: any free one, decided when the listeners bind).
    pub fn ports(&self) -> Ports {
        Ports {
            bank: self.bank_port,
            attacker: self.attacker_port,
            samesite_attacker: self.samesite_attacker_port,
        }
    }

    /// The sites at the configured ports (the lab's predictions for a configuration; a running lab
    /// announces the ports it bound).
    pub fn sites(&self) -> Sites {
        Sites::new(self.bind, self.ports())
    }
}

#[cfg(test)]
mod tests {
    use super::{Ports, Sites};

    #[test]
    fn the_sites_are_announced_where_they_listen() {
        let ports = Ports { bank: 8443, attacker: 8666, samesite_attacker: 8667 };
        let at = |bind: &str| {
            let sites = Sites::new(bind.parse().unwrap(), ports);
            assert_eq!(sites.same_site.as_str().replace("8667", "8443"), sites.bank.as_str());
            (sites.bank.to_string(), sites.cross_site.to_string())
        };
        let local = ("https://localhost:8443".to_owned(), "http://127.0.0.1:8666".to_owned());
        assert_eq!(at("127.0.0.1"), local);
        assert_eq!(at("0.0.0.0"), local);
        assert_eq!(at("::1"), ("https://localhost:8443".to_owned(), "http://[::1]:8666".to_owned()));
        assert_eq!(
            at("192.168.7.9"),
            ("https://192.168.7.9:8443".to_owned(), "http://192.168.7.9:8666".to_owned())
        );
        let lan = Sites::new("192.168.7.9".parse().unwrap(), ports);
        let named: Vec<String> = lan.bank_origins().iter().map(ToString::to_string).collect();
        assert_eq!(
            named,
            [
                "https://192.168.7.9:8443",
                "https://localhost:8443",
                "https://127.0.0.1:8443",
                "https://[::1]:8443"
            ]
        );
    }
}
