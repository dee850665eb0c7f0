//! The lab's own PKI, made with rcgen: a CA, the bank's server certificate and one client
//! certificate per user, each also as a PKCS#12 bundle a browser can import.
//!
//! The CA is created once and kept (its key readable by the owner only): regenerating it at every
//! start would break every bundle a trainee already imported. Leaf certificates are reissued when
//! missing, expiring within 30 days, or not signed by the current CA. Serials are random (a CRL
//! names certificates by serial, so serials must never repeat). Revocation lives in [`crl`].

pub mod crl;
mod files;

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub use files::pem_der;
use files::{create_dir, read, unreadable, write_private, write_public};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use p12_keystore::{Certificate as P12Cert, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use time::{Duration, OffsetDateTime};

/// The password of every `.p12` bundle.
pub const P12_PASSWORD: &str = "lab";
/// The CA's subject CN (Chromium's certificate auto-selection filters on it).
pub const CA_COMMON_NAME: &str = "clickjack-lab dev CA";
const ORGANIZATION: &str = "clickjack-lab";
const RENEW_BEFORE: Duration = Duration::days(30);
/// The record of the certificates the lab's provisioning issued, one `user fingerprint` a line.
const PROVISIONED_FILE: &str = "provisioned.txt";

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("generating certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("writing a PKCS#12 bundle: {0}")]
    Pkcs12(String),
    #[error("{path} is not a readable certificate, key or CRL: {reason}")]
    Unreadable { path: String, reason: String },
}

/// A certificate serial number: big-endian bytes without leading zeros, shown as uppercase hex
/// (as `openssl x509 -noout -serial` prints it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Serial(Vec<u8>);

impl Serial {
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        Self(bytes[start..].to_vec())
    }

    /// Hex digits, with or without colons, in either case (`7A:3B:..`, `7a3b..`).
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text.trim().chars().filter(|c| *c != ':').collect();
        if digits.is_empty() || digits.len() > 40 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let padded = if digits.len() % 2 == 1 { format!("0{digits}") } else { digits };
        let bytes = (0..padded.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&padded[i..i + 2], 16))
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        Some(Self::from_bytes(&bytes))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Display for Serial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("00");
        }
        self.0.iter().try_for_each(|b| write!(f, "{b:02X}"))
    }
}

/// What the lab reads from a certificate: who it names, its serial, expiry and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub common_name: Option<String>,
    pub serial: Serial,
    pub not_after: OffsetDateTime,
    /// SHA-256 of the DER as browsers show it (`AB:CD:...`).
    pub fingerprint: String,
}

impl CertInfo {
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        Some(Self {
            common_name: cert
                .subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok())
                .map(str::to_owned),
            serial: Serial::from_bytes(cert.raw_serial()),
            not_after: cert.validity().not_after.to_datetime(),
            fingerprint: crate::crypto::fingerprint(der),
        })
    }

    /// The first certificate of a PEM file.
    pub fn from_pem_file(path: &Path) -> Result<Self, PkiError> {
        Self::read_pem_file(path).map(|(info, _)| info)
    }

    /// The first certificate of a PEM file, and its DER.
    pub fn read_pem_file(path: &Path) -> Result<(Self, Vec<u8>), PkiError> {
        let pem = read(path)?;
        pem_der(&pem)
            .and_then(|der| Some((Self::from_der(&der)?, der)))
            .ok_or_else(|| unreadable(path, "no X.509 certificate in the file"))
    }
}

/// A validity window.
#[derive(Debug, Clone, Copy)]
pub struct Validity {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// From an hour ago (clock skew) for `days` days.
    pub fn days(days: i64) -> Self {
        let now = OffsetDateTime::now_utc();
        Self { not_before: now - Duration::hours(1), not_after: now + Duration::days(days) }
    }
}

/// A certificate and its private key, PEM and DER.
pub struct Issued {
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    pub key_pem: String,
    pub key_der: Vec<u8>,
}

/// The CA, loaded from or written to a folder.
pub struct Pki {
    dir: PathBuf,
    ca_pem: String,
    ca_der: Vec<u8>,
    ca_key: KeyPair,
}

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

    /// Loads the existing CA without touching any leaf (tests issue their own certificates with it).
    pub fn load(dir: &Path) -> Result<Self, PkiError> {
        let cert = dir.join("ca.crt");
        if !cert.exists() {
            return Err(unreadable(&cert, "no CA here yet"));
        }
        Self::load_or_create(dir, false)
    }

    /// Creates a fresh CA in `dir` without any leaves (tests use this as a foreign CA).
    pub fn create_ca(dir: &Path) -> Result<Self, PkiError> {
        Self::load_or_create(dir, true)
    }

    fn load_or_create(dir: &Path, new_ca: bool) -> Result<Self, PkiError> {
        create_dir(dir)?;
        let (cert_path, key_path) = (dir.join("ca.crt"), dir.join("ca.key"));
        if !new_ca && cert_path.exists() && key_path.exists() {
            let ca_pem = read(&cert_path)?;
            let ca_key = KeyPair::from_pem(&read(&key_path)?).map_err(|e| unreadable(&key_path, e))?;
            let ca_der = pem_der(&ca_pem).ok_or_else(|| unreadable(&cert_path, "no PEM certificate"))?;
            return Ok(Self { dir: dir.to_owned(), ca_pem, ca_der, ca_key });
        }
        let ca_key = KeyPair::generate()?;
        let mut params = base_params(CA_COMMON_NAME, Validity::days(3650));
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let cert = params.self_signed(&ca_key)?;
        write_private(&key_path, ca_key.serialize_pem().as_bytes())?;
        write_public(&cert_path, cert.pem().as_bytes())?;
        Ok(Self { dir: dir.to_owned(), ca_pem: cert.pem(), ca_der: cert.der().to_vec(), ca_key })
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

    /// A new certificate (and key) for `user`, written over `<user>.crt`, `.key` and `.p12`.
    pub fn issue_user(&self, user: &str) -> Result<Issued, PkiError> {
        let issued = self.issue_client(user, Validity::days(365))?;
        write_private(&self.user_file(user, "key"), issued.key_pem.as_bytes())?;
        write_public(&self.user_file(user, "crt"), issued.cert_pem.as_bytes())?;
        write_private(&self.user_file(user, "p12"), &self.pkcs12(user, &issued)?)?;
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

    /// `<user>.<ext>` in the PKI folder.
    pub fn user_file(&self, user: &str, ext: &str) -> PathBuf {
        self.dir.join(format!("{user}.{ext}"))
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

    /// The bank's certificate, for these DNS names and IP addresses.
    pub fn issue_server(&self, names: &[String]) -> Result<Issued, PkiError> {
        let mut params = base_params("localhost", Validity::days(365));
        params.subject_alt_names = CertificateParams::new(names.to_vec())?.subject_alt_names;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign(params)
    }

    /// A client certificate whose subject CN is `common_name`.
    pub fn issue_client(&self, common_name: &str, validity: Validity) -> Result<Issued, PkiError> {
        let mut params = base_params(common_name, validity);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(params)
    }

    fn sign(&self, mut params: CertificateParams) -> Result<Issued, PkiError> {
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate()?;
        let issuer = Issuer::from_ca_cert_der(&self.ca_der.as_slice().into(), &self.ca_key)?;
        let cert = params.signed_by(&key, &issuer)?;
        Ok(Issued {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key_pem: key.serialize_pem(),
            key_der: key.serialize_der(),
        })
    }

    /// A PKCS#12 bundle (AES-256, HMAC-SHA256: what OpenSSL 3 and NSS's pk12util read) holding
    /// the key, the certificate and the CA.
    pub fn pkcs12(&self, alias: &str, issued: &Issued) -> Result<Vec<u8>, PkiError> {
        let p12 = |e: p12_keystore::error::Error| PkiError::Pkcs12(e.to_string());
        let chain = PrivateKeyChain::new(
            crate::crypto::sha256_hex(&issued.cert_der).into_bytes(),
            PrivateKey::from_der(&issued.key_der).map_err(p12)?,
            [
                P12Cert::from_der(&issued.cert_der).map_err(p12)?,
                P12Cert::from_der(&self.ca_der).map_err(p12)?,
            ],
        );
        let mut store = KeyStore::new();
        store.add_entry(alias, KeyStoreEntry::PrivateKeyChain(chain));
        store.writer(P12_PASSWORD).write().map_err(p12)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    pub fn ca_der(&self) -> &[u8] {
        &self.ca_der
    }
}

fn base_params(common_name: &str, validity: Validity) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, common_name);
    params.distinguished_name.push(DnType::OrganizationName, ORGANIZATION);
    params.not_before = validity.not_before;
    params.not_after = validity.not_after;
    let mut serial = [0u8; 16];
    aws_lc_rs::rand::fill(&mut serial).expect("the system random generator failed");
    serial[0] &= 0x7f; // a positive integer
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params
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

/// Whether `leaf` carries a valid signature by the CA's key (the lab's keys are ECDSA P-256).
fn signed_by(leaf: &[u8], ca: &[u8]) -> bool {
    let (Ok((_, leaf)), Ok((_, ca))) =
        (x509_parser::parse_x509_certificate(leaf), x509_parser::parse_x509_certificate(ca))
    else {
        return false;
    };
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &ca.public_key().subject_public_key.data)
        .verify(leaf.tbs_certificate.as_ref(), &leaf.signature_value.data)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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
