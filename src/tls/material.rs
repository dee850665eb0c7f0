//! What the bank's TLS is made of: the one crypto provider, the PEM files of `certs/`, and the
//! error when one of them does not read.

use std::path::Path;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::{self, PemObject};

use crate::pki::words;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file that does not read: what is wrong with it, and what to do.
    #[error("{path}: {reason}. {fix}")]
    File { path: String, reason: String, fix: String },
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("client certificate verifier: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
}

/// The one crypto provider the lab uses (two compiled in would make rustls's defaults ambiguous).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| pem_error(path, &e))?;
    if certs.is_empty() {
        return Err(file_error(path, "no certificate in the file"));
    }
    Ok(certs)
}

pub fn file_error(path: &Path, reason: impl std::fmt::Display) -> TlsError {
    TlsError::File { path: path.display().to_string(), reason: reason.to_string(), fix: words::fix(path) }
}

/// A PEM file that does not read, in words.
pub fn pem_error(path: &Path, error: &pem::Error) -> TlsError {
    file_error(path, words::pem(error))
}
