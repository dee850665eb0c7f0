//! Provisioning: the CA, the CRL, the server and the seeded users' certificates made current at
//! every start (reissued when missing, expiring within 30 days, or not signed by the current CA),
//! and the record of which certificates the lab itself issued (only those are bound without being
//! asked).

use std::fs;
use std::net::IpAddr;
use std::path::Path;

use time::Duration;

use super::ca::P12_PASSWORD;
use super::ca::{Pki, signed_by};
use super::cert::CertInfo;
use super::error::PkiError;
use super::files::{io_error, key_matches, pem_der, read_cert, read_key, write_private, write_public};

const RENEW_BEFORE: Duration = Duration::days(30);
use super::names::PROVISIONED_FILE;

/// What making the PKI current did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Provisioned {
    /// The users whose certificates were (re)issued.
    pub issued: Vec<String>,
    /// What a person should know: what was created or reissued, and why (also logged).
    pub notes: Vec<String>,
}

impl Pki {
    /// Loads the CA (creating it on a fresh machine: see [`Pki::load_or_create`]) and makes sure
    /// the CRL, the server and the user certificates exist and are current. The server
    /// certificate names `localhost`, `127.0.0.1`, `::1` and `bind` (when that is another
    /// address). Says which users' certificates were (re)issued, and why anything was.
    pub fn ensure(dir: &Path, users: &[&str], bind: IpAddr) -> Result<(Self, Provisioned), PkiError> {
        let new_ca = !(dir.join("ca.crt").exists() && dir.join("ca.key").exists());
        let pki = Self::load_or_create(dir, false)?;
        pki.ensure_crl(new_ca)?;
        if !pki.dir.join(PROVISIONED_FILE).exists() {
            // A PKI from before the record was kept: its users' certificates are the lab's own.
            for user in users {
                if let Ok(cert) = CertInfo::from_pem_file(&pki.user_file(user, "crt")) {
                    pki.record_provisioned(user, &cert.fingerprint)?;
                }
            }
        }
        let mut done = pki.ensure_leaves(users, &server_names(bind), false)?;
        if new_ca {
            let note = format!(
                "created the lab's PKI in {}: a new CA (browsers must trust its ca.crt), the bank's \
                 certificate and the users' certificates",
                dir.display()
            );
            tracing::info!("{note}");
            done.notes = vec![note];
        } else {
            done.notes.iter().for_each(|note| tracing::warn!("{note}"));
        }
        Ok((pki, done))
    }

    /// Reissues every leaf certificate; with `new_ca`, replaces the CA (and its CRL) first.
    pub fn regenerate(dir: &Path, users: &[&str], bind: IpAddr, new_ca: bool) -> Result<Self, PkiError> {
        let pki = Self::load_or_create(dir, new_ca)?;
        pki.ensure_crl(new_ca)?;
        pki.ensure_leaves(users, &server_names(bind), true)?;
        Ok(pki)
    }

    fn ensure_leaves(&self, users: &[&str], names: &[String], force: bool) -> Result<Provisioned, PkiError> {
        let mut done = Provisioned::default();
        let server_crt = self.dir.join("server.crt");
        let server_stale = self.stale(&server_crt, &self.dir.join("server.key")).or_else(|| {
            (!names_match(&server_crt, names))
                .then(|| "server.crt did not name every address the bank is reached at (LAB_BIND)".to_owned())
        });
        if force || server_stale.is_some() {
            let server = self.issue_server(names)?;
            write_private(&self.dir.join("server.key"), server.key_pem.as_bytes())?;
            write_public(&self.dir.join("server.crt"), server.cert_pem.as_bytes())?;
        }
        if let Some(why) = server_stale.filter(|_| !force) {
            done.notes.push(format!(
                "issued the bank a new server certificate and key in {}: {why}. Browsers need nothing \
                 new (they trust the CA, which is unchanged)",
                self.dir.display()
            ));
        }
        for user in users {
            let (crt, key, p12) =
                (self.user_file(user, "crt"), self.user_file(user, "key"), self.user_file(user, "p12"));
            let stale =
                self.stale(&crt, &key).or_else(|| (!p12.exists()).then(|| format!("{user}.p12 was missing")));
            if force || stale.is_some() {
                let cert = self.issue_user(user)?;
                self.record_provisioned(user, &crate::crypto::fingerprint(&cert.cert_der))?;
                done.issued.push((*user).to_owned());
            }
            if let Some(why) = stale.filter(|_| !force) {
                done.notes.push(format!(
                    "issued {user} a new certificate: {why}. A browser holding {user}'s old one must \
                     import the new {} (password: {P12_PASSWORD})",
                    p12.display()
                ));
            }
        }
        Ok(done)
    }

    /// Notes that the lab's own provisioning (first start, renewal, `certs` reissue) issued this
    /// certificate, as opposed to `certs issue`: only those are bound without being asked.
    fn record_provisioned(&self, user: &str, fingerprint: &str) -> Result<(), PkiError> {
        use std::io::Write;
        let path = self.dir.join(PROVISIONED_FILE);
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| writeln!(file, "{user} {fingerprint}"))
            .map_err(|source| io_error(&path, &source))
    }

    /// Whether the lab's own provisioning issued `user` the certificate with `fingerprint`.
    pub fn provisioned(&self, user: &str, fingerprint: &str) -> bool {
        let Ok(text) = fs::read_to_string(self.dir.join(PROVISIONED_FILE)) else { return false };
        text.lines().any(|line| line.split_once(' ') == Some((user, fingerprint)))
    }

    /// Why a leaf must be reissued, if it must: missing, unreadable, not a pair with its key, not
    /// signed by this CA, or about to expire.
    fn stale(&self, cert_path: &Path, key_path: &Path) -> Option<String> {
        let name =
            |path: &Path| path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (cert, key) = (name(cert_path), name(key_path));
        let unreadable = |error: PkiError| match error {
            PkiError::Unreadable { path, reason, .. } => format!("{path} did not read ({reason})"),
            other => other.to_string(),
        };
        if !cert_path.exists() || !key_path.exists() {
            return Some(format!("{} was missing", if cert_path.exists() { key } else { cert }));
        }
        let der = match read_cert(cert_path) {
            Ok((_, der)) => der,
            Err(error) => return Some(unreadable(error)),
        };
        match read_key(key_path) {
            Err(error) => return Some(unreadable(error)),
            Ok(pair) if !key_matches(&pair, &der) => {
                return Some(format!("{cert} and {key} were not a pair"));
            }
            Ok(_) => {}
        }
        if !signed_by(&der, &self.ca_der) {
            return Some(format!("{cert} was not signed by the current lab CA"));
        }
        let left = x509_parser::parse_x509_certificate(&der)
            .ok()
            .and_then(|(_, c)| c.validity().time_to_expiration());
        left.is_none_or(|left| left <= RENEW_BEFORE)
            .then(|| format!("{cert} expires within 30 days, or has expired"))
    }
}

/// The names the bank's certificate must carry.
pub(super) fn server_names(bind: IpAddr) -> Vec<String> {
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    if !bind.is_loopback() && !bind.is_unspecified() {
        names.push(bind.to_string());
    }
    names
}

/// Whether the certificate at `path` names exactly `names` (DNS names and IP addresses).
pub(super) fn names_match(path: &Path, names: &[String]) -> bool {
    let Some(der) = fs::read_to_string(path).ok().and_then(|pem| pem_der(&pem)) else { return false };
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(&der) else { return false };
    let Ok(Some(san)) = cert.subject_alternative_name() else { return false };
    let mut found: Vec<String> = san
        .value
        .general_names
        .iter()
        .filter_map(|name| match name {
            x509_parser::extensions::GeneralName::DNSName(dns) => Some((*dns).to_owned()),
            x509_parser::extensions::GeneralName::IPAddress(bytes) => match bytes.len() {
                4 => Some(IpAddr::from(<[u8; 4]>::try_from(*bytes).ok()?).to_string()),
                16 => Some(IpAddr::from(<[u8; 16]>::try_from(*bytes).ok()?).to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let mut wanted = names.to_vec();
    found.sort();
    wanted.sort();
    found == wanted
}
