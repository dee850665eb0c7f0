//! The lab's own PKI, made with rcgen: a CA, the bank's server certificate and one client
//! certificate per user, each also as a PKCS#12 bundle a browser can import. Serials are random
//! (a CRL names certificates by serial, so serials must never repeat).
//!
//! - [`cert`]: what the lab reads from a certificate (CN, serial, expiry, fingerprint);
//! - [`ca`]: the CA and the certificates it issues;
//! - [`provision`]: what every start makes current, and which certificates the lab issued itself;
//! - [`crl`]: revocation;
//! - [`words`]: what is wrong with a damaged file, and what to do.

mod ca;
mod cert;
pub mod crl;
mod error;
mod files;
mod names;
mod provision;
#[cfg(test)]
mod tests;
pub mod words;

pub use ca::{CA_COMMON_NAME, P12_PASSWORD, Pki};
pub use cert::{CertInfo, Issued, Serial, SubjectProblem, Validity};
pub use error::PkiError;
pub use files::pem_der;
pub use provision::Provisioned;
