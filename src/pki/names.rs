//! The names of the PKI's own files in its folder (besides `ca.crt`, `ca.key` and the leaves).

/// The CA's certificate revocation list.
pub const CRL_FILE: &str = "crl.pem";
/// The record of the certificates the lab's provisioning issued, one `user fingerprint` a line.
pub const PROVISIONED_FILE: &str = "provisioned.txt";
