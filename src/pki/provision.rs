//! Provisioning: the CA, the CRL, the server and the seeded users' certificates made current at
//! every start (reissued when missing, expiring within 30 days, or not signed by the current CA),
//! and the record of which certificates the lab itself issued (only those are bound without being
//! asked).

use std::fs;
use std::net::IpAddr;
use std::path::Path;

use time::Duration;

use super::ca::{Pki, signed_by};
use super::cert::CertInfo;
use super::error::PkiError;
use super::files::{pem_der, write_private, write_public};

const RENEW_BEFORE: Duration = Duration::days(30);
/// The record of the certificates the lab's provisioning issued, one `user fingerprint` a line.
const PROVISIONED_FILE: &str = "provisioned.txt";

impl Pki {
    /// Loads the CA (creating it if absent) and makes sure the CRL, the server and the user
    /// certificates exist and are current. The server certificate names `localhost`,
    /// `127.0.0.1`, `::1` and `bind` (when that is another address). Returns the users whose
    /// certificates were (re)issued.
    pub fn ensure(dir: &Path, users: &[&str], bind: IpAddr) -> Result<(Self, Vec<String>), PkiError> {
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
        let issued = pki.ensure_leaves(users, &server_names(bind), false)?;
        Ok((pki, issued))
    }

    /// Reissues every leaf certificate; with `new_ca`, replaces the CA (and its CRL) first.
    pub fn regenerate(dir: &Path, users: &[&str], bind: IpAddr, new_ca: bool) -> Result<Self, PkiError> {
        let pki = Self::load_or_create(dir, new_ca)?;
        pki.ensure_crl(new_ca)?;
        pki.ensure_leaves(users, &server_names(bind), true)?;
        Ok(pki)
    }

    fn ensure_leaves(&self, users: &[&str], names: &[String], force: bool) -> Result<Vec<String>, PkiError> {
        let server_crt = self.dir.join("server.crt");
        if force
            || !self.current(&server_crt, &self.dir.join("server.key"))
            || !names_match(&server_crt, names)
        {
            let server = self.issue_server(names)?;
            write_private(&self.dir.join("server.key"), server.key_pem.as_bytes())?;
            write_public(&self.dir.join("server.crt"), server.cert_pem.as_bytes())?;
        }
        let mut issued = Vec::new();
        for user in users {
            let (crt, key) = (self.user_file(user, "crt"), self.user_file(user, "key"));
            if force || !self.current(&crt, &key) || !self.user_file(user, "p12").exists() {
                let cert = self.issue_user(user)?;
                self.record_provisioned(user, &crate::crypto::fingerprint(&cert.cert_der))?;
                issued.push((*user).to_owned());
            }
        }
        Ok(issued)
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
            .map_err(|source| PkiError::Io { path: path.display().to_string(), source })
    }

    /// Whether the lab's own provisioning issued `user` the certificate with `fingerprint`.
    pub fn provisioned(&self, user: &str, fingerprint: &str) -> bool {
        let Ok(text) = fs::read_to_string(self.dir.join(PROVISIONED_FILE)) else { return false };
        text.lines().any(|line| line.split_once(' ') == Some((user, fingerprint)))
    }

    /// Whether a leaf exists, is signed by this CA and is not about to expire.
    fn current(&self, cert_path: &Path, key_path: &Path) -> bool {
        let Ok(pem) = fs::read_to_string(cert_path) else { return false };
        let Some(der) = pem_der(&pem) else { return false };
        key_path.exists()
            && signed_by(&der, &self.ca_der)
            && x509_parser::parse_x509_certificate(&der)
                .ok()
                .and_then(|(_, cert)| cert.validity().time_to_expiration())
                .is_some_and(|left| left > RENEW_BEFORE)
    }
}

/// The names the bank's certificate must carry.
fn server_names(bind: IpAddr) -> Vec<String> {
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    if !bind.is_loopback() && !bind.is_unspecified() {
        names.push(bind.to_string());
    }
    names
}

/// Whether the certificate at `path` names exactly `names` (DNS names and IP addresses).
fn names_match(path: &Path, names: &[String]) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::{P12_PASSWORD, Serial, crl};
    use p12_keystore::KeyStore;

    const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn the_server_certificate_follows_a_public_bind() {
        let dir = tempfile::tempdir().unwrap();
        Pki::ensure(dir.path(), &[], LOOPBACK).unwrap();
        let server = dir.path().join("server.crt");
        assert!(names_match(&server, &server_names(LOOPBACK)));
        let lan: IpAddr = "192.168.7.9".parse().unwrap();
        Pki::ensure(dir.path(), &[], lan).unwrap();
        assert!(names_match(&server, &server_names(lan)), "reissued with the bound address");
        assert!(server_names(lan).contains(&"192.168.7.9".to_owned()));
    }

    #[test]
    fn creates_keeps_and_renews() {
        let dir = tempfile::tempdir().unwrap();
        let (pki, issued) = Pki::ensure(dir.path(), &["alice"], LOOPBACK).unwrap();
        assert_eq!(issued, ["alice"]);
        for file in
            ["ca.crt", "ca.key", "crl.pem", "server.crt", "server.key", "alice.crt", "alice.key", "alice.p12"]
        {
            assert!(dir.path().join(file).exists(), "{file}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("ca.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let alice = fs::read_to_string(dir.path().join("alice.crt")).unwrap();
        let (again, issued) = Pki::ensure(dir.path(), &["alice"], LOOPBACK).unwrap();
        assert!(issued.is_empty(), "{issued:?}");
        assert_eq!(pki.ca_pem(), again.ca_pem(), "the CA is kept");
        assert_eq!(
            alice,
            fs::read_to_string(dir.path().join("alice.crt")).unwrap(),
            "current leaves are kept"
        );

        let renewed = Pki::regenerate(dir.path(), &["alice"], LOOPBACK, true).unwrap();
        assert_ne!(pki.ca_pem(), renewed.ca_pem());
        let reissued = fs::read(dir.path().join("alice.crt")).unwrap();
        assert!(signed_by(&pem_der(std::str::from_utf8(&reissued).unwrap()).unwrap(), renewed.ca_der()));
        assert!(!signed_by(&pem_der(&alice).unwrap(), renewed.ca_der()));
    }

    #[test]
    fn bundles_read_back_with_the_lab_password() {
        let dir = tempfile::tempdir().unwrap();
        Pki::ensure(dir.path(), &["bob"], LOOPBACK).unwrap();
        let bytes = fs::read(dir.path().join("bob.p12")).unwrap();
        let store =
            KeyStore::from_pkcs12(&bytes, P12_PASSWORD, p12_keystore::Pkcs12ImportPolicy::Relaxed).unwrap();
        let (_, chain) = store.private_key_chain().unwrap();
        assert!(chain.certs()[0].subject().contains("bob"));
        assert_eq!(chain.certs().len(), 2);
    }

    #[test]
    fn serials_parse_as_openssl_prints_them() {
        let serial = Serial::from_bytes(&[0, 0x7a, 0x0b]);
        assert_eq!(serial.to_string(), "7A0B");
        assert_eq!(Serial::parse("7a:0b"), Some(serial.clone()));
        assert_eq!(Serial::parse(" 007A0B "), Some(serial));
        assert_eq!(Serial::parse("alice"), None);
        assert_eq!(Serial::parse(""), None);
    }

    #[test]
    fn revocations_accumulate_in_a_crl_signed_by_the_ca() {
        let dir = tempfile::tempdir().unwrap();
        let (pki, _) = Pki::ensure(dir.path(), &["alice", "bob"], LOOPBACK).unwrap();
        assert!(pki.revoked().unwrap().is_empty());
        let alice = CertInfo::from_pem_file(&pki.user_file("alice", "crt")).unwrap();
        let bob = CertInfo::from_pem_file(&pki.user_file("bob", "crt")).unwrap();
        assert_eq!(alice.common_name.as_deref(), Some("alice"));
        assert_eq!(pki.revoke(&alice.serial).unwrap(), crl::Revocation::Added);
        assert_eq!(pki.revoke(&alice.serial).unwrap(), crl::Revocation::AlreadyRevoked);
        assert_eq!(pki.revoke(&bob.serial).unwrap(), crl::Revocation::Added);
        let revoked: Vec<Serial> = pki.revoked().unwrap().into_iter().map(|r| r.serial).collect();
        assert_eq!(revoked, [alice.serial, bob.serial]);
        crl::load_der(dir.path()).unwrap();

        // A damaged list stops start-up instead of being replaced by an empty one.
        let crl_file = crl::path(dir.path());
        let good = fs::read(&crl_file).unwrap();
        fs::write(&crl_file, b"not a CRL").unwrap();
        let err = Pki::ensure(dir.path(), &["alice"], LOOPBACK).err().expect("a damaged CRL is an error");
        assert!(err.to_string().contains("crl.pem"), "{err}");
        fs::write(&crl_file, good).unwrap();
        assert_eq!(Pki::ensure(dir.path(), &["alice"], LOOPBACK).unwrap().0.revoked().unwrap().len(), 2);

        // A new CA starts a new, empty list (the old one's serials mean nothing to it).
        let renewed = Pki::regenerate(dir.path(), &["alice"], LOOPBACK, true).unwrap();
        assert!(renewed.revoked().unwrap().is_empty());
    }
}
