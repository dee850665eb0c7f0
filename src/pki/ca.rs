//! The lab CA: created once and kept (its key readable by the owner only), and the certificates
//! it issues: the bank's server certificate, client certificates, and `.p12` bundles.

use std::path::{Path, PathBuf};

use p12_keystore::{Certificate as P12Cert, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};

use super::cert::{Issued, Validity};
use super::error::PkiError;
use super::files::{create_dir, key_matches, read_cert, read_key, unreadable, write_private, write_public};

/// The password of every `.p12` bundle.
pub const P12_PASSWORD: &str = "lab";
/// The CA's subject CN (Chromium's certificate auto-selection filters on it).
pub const CA_COMMON_NAME: &str = "clickjack-lab dev CA";
const ORGANIZATION: &str = "clickjack-lab";

/// The CA, loaded from or written to a folder.
pub struct Pki {
    pub(super) dir: PathBuf,
    pub(super) ca_pem: String,
    pub(super) ca_der: Vec<u8>,
    pub(super) ca_key: KeyPair,
}

impl Pki {
    /// Loads the existing CA without touching any leaf (tests issue their own certificates with it).
    pub fn load(dir: &Path) -> Result<Self, PkiError> {
        if !dir.join("ca.crt").exists() && !dir.join("ca.key").exists() && fresh(dir)?.is_empty() {
            return Err(PkiError::Absent { dir: dir.display().to_string() });
        }
        Self::load_or_create(dir, false)
    }

    /// Creates a fresh CA in `dir` without any leaves (tests use this as a foreign CA).
    pub fn create_ca(dir: &Path) -> Result<Self, PkiError> {
        Self::load_or_create(dir, true)
    }

    /// Loads the CA, or makes one: with `new_ca`, or when `dir` holds nothing of a PKI yet (a
    /// fresh machine). A CA half gone (its key or certificate) beside certificates it signed is
    /// an error: a new CA would silently break every browser that trusts the old one.
    pub(super) fn load_or_create(dir: &Path, new_ca: bool) -> Result<Self, PkiError> {
        create_dir(dir)?;
        let (cert_path, key_path) = (dir.join("ca.crt"), dir.join("ca.key"));
        if !new_ca {
            match (cert_path.exists(), key_path.exists()) {
                (true, true) => return Self::read(dir),
                (false, false) if fresh(dir)?.is_empty() => {}
                (has_cert, has_key) => {
                    let missing = match (has_cert, has_key) {
                        (false, false) => "ca.crt and ca.key",
                        (false, _) => "ca.crt",
                        _ => "ca.key",
                    };
                    return Err(PkiError::CaMissing {
                        dir: dir.display().to_string(),
                        missing: missing.to_owned(),
                        found: shortlist(&fresh(dir)?),
                    });
                }
            }
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

    /// The CA from `ca.crt` and `ca.key`, which must read and be a pair.
    fn read(dir: &Path) -> Result<Self, PkiError> {
        let (cert_path, key_path) = (dir.join("ca.crt"), dir.join("ca.key"));
        let (ca_pem, ca_der) = read_cert(&cert_path)?;
        let ca_key = read_key(&key_path)?;
        if !key_matches(&ca_key, &ca_der) {
            return Err(unreadable(&key_path, "it is not the key of ca.crt (the two files are not a pair)"));
        }
        Ok(Self { dir: dir.to_owned(), ca_pem, ca_der, ca_key })
    }

    /// A new certificate (and key) for `user`, written over `<user>.crt`, `.key` and `.p12`.
    pub fn issue_user(&self, user: &str) -> Result<Issued, PkiError> {
        let issued = self.issue_client(user, Validity::days(365))?;
        write_private(&self.user_file(user, "key"), issued.key_pem.as_bytes())?;
        write_public(&self.user_file(user, "crt"), issued.cert_pem.as_bytes())?;
        write_private(&self.user_file(user, "p12"), &self.pkcs12(user, &issued)?)?;
        Ok(issued)
    }

    /// `<user>.<ext>` in the PKI folder.
    pub fn user_file(&self, user: &str, ext: &str) -> PathBuf {
        self.dir.join(format!("{user}.{ext}"))
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
    crate::crypto::fill_random(&mut serial);
    serial[0] &= 0x7f; // a positive integer
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params
}

/// Whether `leaf` carries a valid signature by the CA's key (the lab's keys are ECDSA P-256).
pub(super) fn signed_by(leaf: &[u8], ca: &[u8]) -> bool {
    let (Ok((_, leaf)), Ok((_, ca))) =
        (x509_parser::parse_x509_certificate(leaf), x509_parser::parse_x509_certificate(ca))
    else {
        return false;
    };
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &ca.public_key().subject_public_key.data)
        .verify(leaf.tbs_certificate.as_ref(), &leaf.signature_value.data)
        .is_ok()
}

/// The files of a lab PKI in `dir` (a CA, a CRL, certificates, keys, bundles): none on a fresh
/// machine.
fn fresh(dir: &Path) -> Result<Vec<String>, PkiError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(super::files::io_error(dir, &e)),
    };
    let mut found: Vec<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| {
            name == super::names::CRL_FILE
                || name == super::names::PROVISIONED_FILE
                || [".crt", ".key", ".p12"].iter().any(|ext| name.ends_with(ext))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// A few names of a list, for a message.
fn shortlist(names: &[String]) -> String {
    match names.len() {
        0..=4 => names.join(", "),
        n => format!("{}, and {} more", names[..3].join(", "), n - 3),
    }
}
