//! Reading and writing the PKI's files; secrets are written owner-only. A file that does not read
//! is an error that names it, says what is wrong and what to do ([`super::words`]).

use std::fs;
use std::io::Write;
use std::path::Path;

use rcgen::KeyPair;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::error::PkiError;
use super::words;

/// The DER of the first certificate in a PEM text.
pub fn pem_der(pem: &str) -> Option<Vec<u8>> {
    CertificateDer::pem_slice_iter(pem.as_bytes()).next().and_then(Result::ok).map(|der| der.to_vec())
}

pub(super) fn unreadable(path: &Path, reason: impl std::fmt::Display) -> PkiError {
    PkiError::Unreadable {
        path: path.display().to_string(),
        reason: reason.to_string(),
        fix: words::fix(path),
    }
}

pub(super) fn unreadable_pem(path: &Path, error: &pem::Error) -> PkiError {
    match error {
        pem::Error::Io(source) => io_error(path, source),
        other => unreadable(path, words::pem(other)),
    }
}

pub(super) fn io_error(path: &Path, source: &std::io::Error) -> PkiError {
    PkiError::Io { path: path.display().to_string(), reason: words::io(path, source) }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| io_error(path, &source)
}

pub(super) fn create_dir(dir: &Path) -> Result<(), PkiError> {
    // A file (or a file on the way) where the folder should be: create_dir_all says only "File exists".
    if let Some(file) = dir.ancestors().find(|a| a.is_file()) {
        return Err(PkiError::NotAFolder(words::not_a_folder(file)));
    }
    fs::create_dir_all(dir).map_err(io(dir))
}

pub(super) fn read(path: &Path) -> Result<String, PkiError> {
    let bytes = fs::read(path).map_err(io(path))?;
    String::from_utf8(bytes).map_err(|_| unreadable(path, "it is not text (a lab file is PEM text)"))
}

/// The DER of the certificate in the PEM file at `path`, which must be an X.509 certificate.
pub(super) fn read_cert(path: &Path) -> Result<(String, Vec<u8>), PkiError> {
    let text = read(path)?;
    let der = CertificateDer::from_pem_slice(text.as_bytes()).map_err(|e| unreadable_pem(path, &e))?;
    if x509_parser::parse_x509_certificate(&der).is_err() {
        return Err(unreadable(path, "its PEM block is not a well-formed X.509 certificate"));
    }
    Ok((text, der.to_vec()))
}

/// The private key in the PEM file at `path`.
pub(super) fn read_key(path: &Path) -> Result<KeyPair, PkiError> {
    let text = read(path)?;
    let der = PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|e| unreadable_pem(path, &e))?;
    KeyPair::try_from(&der)
        .map_err(|_| unreadable(path, "it is not a private key the lab can use (an ECDSA P-256 key)"))
}

/// Whether `key` is the key of the certificate `cert_der` (their public keys are the same).
pub(super) fn key_matches(key: &KeyPair, cert_der: &[u8]) -> bool {
    x509_parser::parse_x509_certificate(cert_der).is_ok_and(|(_, cert)| {
        cert.tbs_certificate.subject_pki.raw == rcgen::PublicKeyData::subject_public_key_info(key).as_slice()
    })
}

pub(super) fn write_public(path: &Path, bytes: &[u8]) -> Result<(), PkiError> {
    fs::write(path, bytes).map_err(io(path))
}

/// Writes a secret: created with mode 0600 on Unix, replacing any earlier file.
pub(super) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), PkiError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        if path.exists() {
            fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io(path))?;
        }
    }
    options.open(path).and_then(|mut f| f.write_all(bytes)).map_err(io(path))
}
