//! The bank's verifier with the certificate asked for but not required in the handshake: for
//! connections that offer HTTP/2 in `LAB_MTLS=required`.
//!
//! Refused in the handshake, a connection without a certificate leaves Firefox waiting forever when
//! it has already begun HTTP/2 on it (TLS 1.3 tells the client after its own last message; Firefox
//! 153 then drops the page load without an error page). So an h2 connection completes its
//! handshake without a certificate, and [`super::fallback`] answers it `HTTP_1_1_REQUIRED` before
//! any request: the browser retries over HTTP/1.1, without h2, where the handshake refuses it and it
//! shows its usual error. Every check of a certificate that *is* presented stays the same.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

use super::verifier::LabVerifier;

#[derive(Debug)]
pub struct Requested(pub Arc<LabVerifier>);

impl ClientCertVerifier for Requested {
    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.0.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.0.verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
