//! The bank's rustls `ServerConfig` for its `LAB_MTLS` mode.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;

use rustls::server::danger::ClientCertVerifier;

use super::material::{TlsError, file_error, pem_error, provider, read_certs};
use super::requested::Requested;
use super::verifier::LabVerifier;
use crate::audit::Recorder;
use crate::identity::mode::MtlsMode;

/// The bank's TLS for its `LAB_MTLS` mode, built in this one place.
pub struct BankTls {
    /// The listener's configurations; `None` in proxy mode, where the bank speaks plain HTTP.
    pub server: Option<Offers>,
    /// The client-certificate checks: in the handshake (`required`, `optional`), or on the
    /// certificate a proxy forwards (`proxy`). `None` with `off`.
    pub verifier: Option<Arc<LabVerifier>>,
}

/// The listener's TLS, by what the client's hello offers: HTTP/2 (and HTTP/1.1), or HTTP/1.1 only.
#[derive(Clone)]
pub struct Offers {
    /// For a client that offers h2: h2 or http/1.1, its certificate asked for but never required
    /// in the handshake (`certificate_required` is then enforced by the bank: `super::fallback`).
    pub h2: Arc<rustls::ServerConfig>,
    /// For every other client: http/1.1, and the mode's own certificate rule in the handshake.
    pub http1: Arc<rustls::ServerConfig>,
    /// `LAB_MTLS=required`: a connection without a certificate is served nothing.
    pub certificate_required: bool,
}
// Each configuration keeps its own sessions: one that began without a certificate on `h2` never
// resumes under `http1`, whose handshake would have refused it.

impl Offers {
    fn new(certs_dir: &Path, verifier: Option<Arc<LabVerifier>>) -> Result<Self, TlsError> {
        let certificate_required = verifier.as_ref().is_some_and(|v| v.client_auth_mandatory());
        let requested = verifier.clone().map(|v| -> Arc<dyn ClientCertVerifier> {
            if certificate_required { Arc::new(Requested(v)) } else { v }
        });
        let http1 = config(certs_dir, verifier.map(|v| v as Arc<dyn ClientCertVerifier>), &[b"http/1.1"])?;
        let h2 = config(certs_dir, requested, &[b"h2", b"http/1.1"])?;
        Ok(Self { h2: Arc::new(h2), http1: Arc::new(http1), certificate_required })
    }
}

impl BankTls {
    /// Refused handshakes are recorded by `recorder`; in proxy mode, forwarded certificates are
    /// audited with their request instead.
    pub fn for_mode(mode: MtlsMode, certs_dir: &Path, recorder: &Recorder) -> Result<Self, TlsError> {
        let handshake =
            |mandatory| LabVerifier::new(certs_dir, mandatory, Some(recorder.clone())).map(Arc::new);
        Ok(match mode {
            MtlsMode::Off => Self { server: Some(Offers::new(certs_dir, None)?), verifier: None },
            MtlsMode::Required | MtlsMode::Optional => {
                let verifier = handshake(mode == MtlsMode::Required)?;
                Self {
                    server: Some(Offers::new(certs_dir, Some(verifier.clone()))?),
                    verifier: Some(verifier),
                }
            }
            MtlsMode::Proxy => {
                Self { server: None, verifier: Some(Arc::new(LabVerifier::new(certs_dir, true, None)?)) }
            }
        })
    }
}

/// A TLS server configuration with the lab's server certificate from `certs_dir`, for HTTP/1.1.
///
/// With a `verifier`, client certificates are requested and checked by it (it decides whether
/// one is required); without, none is requested. Sessions resume.
pub fn server_config(
    certs_dir: &Path,
    verifier: Option<Arc<LabVerifier>>,
) -> Result<rustls::ServerConfig, TlsError> {
    config(certs_dir, verifier.map(|v| v as Arc<dyn ClientCertVerifier>), &[b"http/1.1"])
}

fn config(
    certs_dir: &Path,
    verifier: Option<Arc<dyn ClientCertVerifier>>,
    protocols: &[&[u8]],
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
    config.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}

/// TLS sessions the bank remembers, oldest evicted first: a browser keeps a few (one per
/// parallel connection), a load test one per connection; at most about 1 MiB.
const SESSION_CACHE: usize = 1024;
