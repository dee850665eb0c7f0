//! What can go wrong with the lab's PKI files.

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
