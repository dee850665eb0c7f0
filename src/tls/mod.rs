//! TLS for the bank: the rustls `ServerConfig` for each `LAB_MTLS` mode ([`server`]), the
//! client-certificate verifier ([`verifier`]: CA, CRL, audit of refusals) and ([`peer`]) the
//! verified client certificate handed to handlers; [`accept`] serves the bank over TLS and
//! [`refusals`] logs each refused handshake.

pub mod accept;
mod material;
pub mod peer;
pub mod refusals;
mod server;
pub mod verifier;

pub use material::{TlsError, provider};
pub use server::{BankTls, server_config};
pub use verifier::LabVerifier;
