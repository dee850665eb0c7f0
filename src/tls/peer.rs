//! The verified client certificate of a connection, for handlers.
//!
//! rustls verifies the certificate during the handshake (chain to the lab CA, validity, client
//! EKU, CRL). `on_connect` then reads it from the connection once and stores a [`PeerCert`] in
//! the connection's data, where every request on that connection finds it. (In proxy mode the
//! forwarded certificate is put in the request's extensions instead: see `crate::proxy`.)

use std::any::Any;

use actix_tls::accept::rustls_0_23::TlsStream;
use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;

use crate::audit::CertSeen;
use crate::pki::{CertInfo, SubjectProblem};

/// What the bank knows of a verified client certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCert {
    /// The subject CN: the username it signs in.
    pub common_name: Option<String>,
    /// Why the subject names no one (no CN, several, unreadable): such a certificate signs no one in.
    pub subject_problem: Option<SubjectProblem>,
    /// SHA-256 of the certificate, as browsers show it (`AB:CD:...`).
    pub fingerprint: String,
}

impl PeerCert {
    pub fn from_der(der: &[u8]) -> Self {
        match CertInfo::from_der(der) {
            Some(info) => Self::from_info(&info),
            None => Self {
                common_name: None,
                subject_problem: Some(SubjectProblem::Unparsable),
                fingerprint: crate::crypto::fingerprint(der),
            },
        }
    }

    pub fn from_info(info: &CertInfo) -> Self {
        Self {
            common_name: info.common_name.clone(),
            subject_problem: info.subject_problem,
            fingerprint: info.fingerprint.clone(),
        }
    }

    /// The certificate as the audit log shows it.
    pub fn seen(&self) -> CertSeen {
        CertSeen { cn: self.common_name.clone(), fingerprint: self.fingerprint.clone() }
    }
}

/// A certificate a proxy forwarded that the bank refused: the request goes on without an
/// identity, and pages that need one say why.
#[derive(Debug, Clone)]
pub struct RefusedForward(pub String);

/// The DER of the certificate presented in this connection's handshake, checked again on each
/// request (a revocation must not wait for the connection to close).
#[derive(Debug, Clone)]
pub struct HandshakeCert(pub std::sync::Arc<[u8]>);

/// `HttpServer::on_connect` callback: stores the peer certificate of TLS connections.
pub fn on_connect(connection: &dyn Any, data: &mut Extensions) {
    let Some(tls) = connection.downcast_ref::<TlsStream<TcpStream>>() else { return };
    let (_, session) = tls.get_ref();
    if let Some(cert) = session.peer_certificates().and_then(<[_]>::first) {
        data.insert(PeerCert::from_der(cert));
        data.insert(HandshakeCert(cert.as_ref().into()));
    }
}
