//! TLS for the bank: the rustls `ServerConfig` for each `LAB_MTLS` mode ([`server`]), the
//! client-certificate verifier ([`verifier`]: CA, CRL, audit of refusals) and ([`peer`]) the
//! verified client certificate handed to handlers; [`accept`] serves the bank over TLS (HTTP/2 or HTTP/1.1) and
//! [`refusals`] logs each refused handshake; [`fallback`] turns an HTTP/2 connection without the
//! required certificate away.

pub mod accept;
mod fallback;
mod material;
pub mod peer;
pub mod refusals;
mod requested;
mod server;
pub mod verifier;

pub use material::{TlsError, provider};
pub use server::{BankTls, Offers, server_config};
pub use verifier::LabVerifier;
