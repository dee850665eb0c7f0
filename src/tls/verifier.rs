//! The bank's client-certificate verifier: rustls's WebPKI verifier (chain to the lab CA,
//! validity dates, the clientAuth extended key usage) and the CRL, wrapped so that
//!
//! - every refused certificate is reported, with its reason, to the audit log (rustls itself
//!   logs nothing about a refused handshake; [`super::accept`] logs it, with the peer's address);
//! - a changed `crl.pem` takes effect without a restart ([`LabVerifier::watch`]);
//! - the proxy mode can run the very same checks on a certificate forwarded in a header;
//! - the CRL's signature is checked once, when the list is loaded, and each handshake looks the
//!   certificate's serial up in the revoked set (given the list, rustls would check the list's
//!   signature again at every handshake: a third ECDSA verification beside the chain's and the
//!   handshake's own).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, SystemTime};

use super::material::{TlsError, file_error, provider, read_certs};
use crate::audit::{AuditEvent, CertSeen, Recorder};
use crate::pki::{CertInfo, Serial, crl};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};

/// How often the CRL file is looked at for changes.
const CRL_POLL: Duration = Duration::from_millis(500);

/// A certificate the verifier refused, for the audit log.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// What the certificate says (absent when it is not even parseable).
    pub cert: Option<CertInfo>,
    /// Why it was refused, in words.
    pub reason: String,
}

pub struct LabVerifier {
    certs_dir: PathBuf,
    roots: Arc<RootCertStore>,
    ca_der: Vec<u8>,
    hints: Vec<DistinguishedName>,
    mandatory: bool,
    inner: RwLock<Arc<Checks>>,
    /// The CRL file's stamp when it was last read (taken before reading it).
    loaded: Mutex<Option<(SystemTime, u64)>>,
    /// How many times the CRL was loaded: what a remembered check was made under.
    loads: AtomicUsize,
    /// Where refused handshakes are recorded (none: the caller audits refusals with its request).
    recorder: Option<Recorder>,
}

impl std::fmt::Debug for LabVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabVerifier").field("certs_dir", &self.certs_dir).finish_non_exhaustive()
    }
}

impl LabVerifier {
    /// A verifier for the CA and CRL in `certs_dir`. `mandatory`: the handshake fails without a
    /// certificate. Refused handshakes are recorded by `recorder`, if given.
    pub fn new(certs_dir: &Path, mandatory: bool, recorder: Option<Recorder>) -> Result<Self, TlsError> {
        let cas = read_certs(&certs_dir.join("ca.crt"))?;
        let ca_der = cas[0].to_vec();
        let mut roots = RootCertStore::empty();
        for ca in cas {
            roots.add(ca)?;
        }
        let roots = Arc::new(roots);
        let stamp = stamp(&crl::path(certs_dir));
        let inner = build(&roots, &ca_der, certs_dir)?;
        Ok(Self {
            certs_dir: certs_dir.to_owned(),
            hints: inner.webpki.root_hint_subjects().to_vec(),
            roots,
            ca_der,
            mandatory,
            inner: RwLock::new(inner),
            loads: AtomicUsize::new(1),
            loaded: Mutex::new(stamp),
            recorder,
        })
    }

    /// Reads `crl.pem` again. On error (unreadable, not signed by the lab CA) the previous list
    /// stays in force.
    pub fn reload(&self) -> Result<(), TlsError> {
        let stamp = stamp(&crl::path(&self.certs_dir));
        let fresh = build(&self.roots, &self.ca_der, &self.certs_dir)?;
        *self.inner.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) = stamp;
        self.loads.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Which load of the CRL is in force: it changes with every reload.
    pub fn generation(&self) -> usize {
        self.loads.load(Ordering::Acquire)
    }

    /// Runs the handshake's checks, with the current CRL, on a certificate outside a handshake:
    /// one a proxy forwarded, or one whose connection opened before a revocation. The caller
    /// audits a refusal (with its request).
    pub fn check(&self, end_entity: &CertificateDer<'_>) -> Result<(), Refusal> {
        self.current()
            .verify(end_entity, &[], UnixTime::now())
            .map(|_| ())
            .map_err(|error| refusal(end_entity, &error))
    }

    /// Re-reads the CRL whenever `crl.pem` changes, until the verifier is dropped.
    pub fn watch(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Self> = Arc::downgrade(self);
        let path = crl::path(&self.certs_dir);
        tokio::spawn(async move {
            let mut seen = stamp(&path);
            loop {
                tokio::time::sleep(CRL_POLL).await;
                let Some(verifier) = weak.upgrade() else { return };
                let now = stamp(&path);
                if now == seen {
                    continue;
                }
                seen = now;
                match verifier.reload() {
                    Ok(()) => tracing::info!("{} changed: revocations reloaded", path.display()),
                    Err(e) => tracing::warn!(
                        "{} changed but cannot be used ({e}); keeping the last list",
                        path.display()
                    ),
                }
            }
        })
    }

    fn current(&self) -> Arc<Checks> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl ClientCertVerifier for LabVerifier {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let result = self.current().verify(end_entity, intermediates, now);
        if let (Err(error), Some(recorder)) = (&result, &self.recorder) {
            let refusal = refusal(end_entity, error);
            recorder.record_soon(AuditEvent::handshake(refusal.cert.as_ref().map(seen), refusal.reason));
        }
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.current().webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.current().webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.current().webpki.supported_verify_schemes()
    }
}

/// What a handshake checks: the chain, by rustls's WebPKI verifier, and the serials the CRL
/// revokes (the list's signature was checked when it was loaded).
struct Checks {
    webpki: Arc<dyn ClientCertVerifier>,
    /// The list's issuer (the lab CA's name, DER) and the serials it revokes.
    issuer: Vec<u8>,
    revoked: HashSet<Serial>,
}

impl Checks {
    fn verify(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self.webpki.verify_client_cert(end_entity, intermediates, now)?;
        if !self.revoked.is_empty() {
            let (_, cert) = x509_parser::parse_x509_certificate(end_entity)
                .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
            if cert.issuer().as_raw() == self.issuer.as_slice()
                && self.revoked.contains(&Serial::from_bytes(cert.raw_serial()))
            {
                return Err(rustls::Error::InvalidCertificate(CertificateError::Revoked));
            }
        }
        Ok(verified)
    }
}

fn build(roots: &Arc<RootCertStore>, ca_der: &[u8], certs_dir: &Path) -> Result<Arc<Checks>, TlsError> {
    let crl = crl::load_der(certs_dir)?;
    // The list must carry the lab CA's signature: a list from another CA of the same name (after
    // `certs --new-ca`, say) would otherwise revoke, or fail to revoke, the wrong certificates.
    let not_ours = || file_error(&crl::path(certs_dir), "it is not a CRL signed by the lab CA in ca.crt");
    let (_, list) = x509_parser::parse_x509_crl(&crl).map_err(|_| not_ours())?;
    let (_, ca) = x509_parser::parse_x509_certificate(ca_der).map_err(|_| not_ours())?;
    list.verify_signature(ca.public_key()).map_err(|_| not_ours())?;
    let revoked = list.iter_revoked_certificates().map(|r| Serial::from_bytes(r.raw_serial())).collect();
    let issuer = list.issuer().as_raw().to_vec();
    let webpki = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider()).build()?;
    Ok(Arc::new(Checks { webpki, issuer, revoked }))
}

/// The file's modification time and length: enough to notice `certs revoke` replacing it.
fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

fn refusal(end_entity: &CertificateDer<'_>, error: &rustls::Error) -> Refusal {
    let cert = CertInfo::from_der(end_entity);
    let serial = cert.as_ref().map_or_else(String::new, |c| format!(" (serial {})", c.serial));
    Refusal { reason: format!("{}{serial}", describe(error)), cert }
}

/// A certificate as the audit log shows it.
pub fn seen(info: &CertInfo) -> CertSeen {
    CertSeen { cn: info.common_name.clone(), fingerprint: info.fingerprint.clone() }
}

/// Why rustls refused a client certificate, in a trainee's words.
pub fn describe(error: &rustls::Error) -> String {
    let rustls::Error::InvalidCertificate(error) = error else {
        return format!("the handshake failed: {error}");
    };
    match error {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "expired: its notAfter date has passed".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "not valid yet: its notBefore date is in the future".to_owned()
        }
        CertificateError::Revoked => "revoked: its serial is on the lab CA's CRL (certs/crl.pem)".to_owned(),
        CertificateError::UnknownIssuer => {
            "unknown issuer: it does not chain to the lab CA (a foreign CA, or an old lab CA)".to_owned()
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "wrong extended key usage: it is not a client certificate (clientAuth); a server \
             certificate cannot sign anyone in"
                .to_owned()
        }
        CertificateError::BadSignature => {
            "bad signature: the lab CA's key did not sign it (a foreign CA using the lab CA's name, or a \
             tampered certificate)"
                .to_owned()
        }
        CertificateError::UnknownRevocationStatus => {
            "revocation status unknown: no CRL covers its issuer".to_owned()
        }
        CertificateError::BadEncoding => "not a well-formed X.509 certificate".to_owned(),
        other => format!("refused: {other:?}"),
    }
}
