//! The bank's rustls `ServerConfig` for its `LAB_MTLS` mode.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;

use super::material::{TlsError, file_error, pem_error, provider, read_certs};
use super::verifier::LabVerifier;
use crate::audit::Recorder;
use crate::identity::mode::MtlsMode;

/// The bank's TLS for its `LAB_MTLS` mode, built in this one place.
pub struct BankTls {
    /// The listener's configuration; `None` in proxy mode, where the bank speaks plain HTTP.
    pub server: Option<rustls::ServerConfig>,
    /// The client-certificate checks: in the handshake (`required`, `optional`), or on the
    /// certificate a proxy forwards (`proxy`). `None` with `off`.
    pub verifier: Option<Arc<LabVerifier>>,
}

impl BankTls {
    /// Refused handshakes are recorded by `recorder`; in proxy mode, forwarded certificates are
    /// audited with their request instead.
    pub fn for_mode(mode: MtlsMode, certs_dir: &Path, recorder: &Recorder) -> Result<Self, TlsError> {
        let handshake =
            |mandatory| LabVerifier::new(certs_dir, mandatory, Some(recorder.clone())).map(Arc::new);
        Ok(match mode {
            MtlsMode::Off => Self { server: Some(server_config(certs_dir, None)?), verifier: None },
            MtlsMode::Required | MtlsMode::Optional => {
                let verifier = handshake(mode == MtlsMode::Required)?;
                Self {
                    server: Some(server_config(certs_dir, Some(verifier.clone()))?),
                    verifier: Some(verifier),
                }
            }
            MtlsMode::Proxy => {
                Self { server: None, verifier: Some(Arc::new(LabVerifier::new(certs_dir, true, None)?)) }
            }
        })
    }
}

/// A TLS server configuration with the lab's server certificate from `certs_dir`.
///
/// With a `verifier`, client certificates are requested and checked by it (it decides whether
/// one is required); without, none is requested. Sessions resume.
pub fn server_config(
    certs_dir: &Path,
    verifier: Option<Arc<LabVerifier>>,
) -> Result<rustls::ServerConfig, TlsError> {
    let builder =
        rustls::ServerConfig::builder_with_provider(provider()).with_safe_default_protocol_versions()?;
    let builder = match verifier {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    };
    let key_path = certs_dir.join("server.key");
    let cert_path = certs_dir.join("server.crt");
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| pem_error(&key_path, &e))?;
    let mut config = builder.with_single_cert(read_certs(&cert_path)?, key).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => file_error(
            &key_path,
            format!("it is not the key of {} (the two files are not a pair)", cert_path.display()),
        ),
        other => TlsError::Rustls(other),
    })?;
    // With client auth, a resumed handshake skips the verifier: a session cached before a
    // revocation resumes. That is safe because rustls keeps the client's certificate chain in the
    // session (a resumed connection has the same `peer_certificates()`) and every request
    // re-checks that certificate against the current CRL (`identity::Visitor::recheck`): 403 and
    // an audit row, as on a connection opened before the revocation.
    //
    // Sessions are kept here rather than in tickets: memory stays bounded (an entry holds the
    // client's chain, about 1 KiB), neither the certificate nor the session's secret leaves the
    // server (not even encrypted under a ticket key), and a TLS 1.3 session is taken out of the
    // cache when it is used, so each one resumes once.
    config.session_storage = rustls::server::ServerSessionMemoryCache::new(SESSION_CACHE);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// TLS sessions the bank remembers, oldest evicted first: a browser keeps a few (one per
/// parallel connection), a load test one per connection; at most about 1 MiB.
const SESSION_CACHE: usize = 1024;
