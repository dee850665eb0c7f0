//! What can go wrong with the lab's PKI files: each message names the file, says what is wrong with
//! it and what to do.

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    #[error("generating certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("writing a PKCS#12 bundle: {0}")]
    Pkcs12(String),
    #[error("{path} does not read as a certificate, key or CRL of the lab: {reason}. {fix}")]
    Unreadable { path: String, reason: String, fix: String },
    #[error("{0}")]
    NotAFolder(String),
    #[error("{dir} holds no lab PKI yet")]
    Absent { dir: String },
    /// The CA (its key or certificate) is gone, but certificates it signed are still here.
    #[error(
        "{dir}: no {missing}, but the rest of the lab's PKI is still here ({found}). Browsers trust \
         that CA and hold certificates it signed: a new CA would silently break every one of them, so \
         the lab does not make one by itself. Put back a copy of {missing} if you have one. Otherwise \
         run `clickjack-lab certs --new-ca`: it makes a new CA and reissues every certificate, and every \
         browser must then trust the new ca.crt and re-import its user's .p12"
    )]
    CaMissing { dir: String, missing: String, found: String },
}
