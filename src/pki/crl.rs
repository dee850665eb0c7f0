//! The lab CA's certificate revocation list, `crl.pem`: created empty with the CA, extended by
//! `clickjack-lab certs revoke`, enforced by the bank at every handshake (and re-read when the
//! file changes).
//!
//! The file is the only record of what is revoked: each revocation reads the entries back,
//! appends one, and signs the list again with the next CRL number.

use std::path::{Path, PathBuf};

use rcgen::{CertificateRevocationListParams, Issuer, KeyIdMethod, RevocationReason, RevokedCertParams};
use rustls::pki_types::CertificateRevocationListDer;
use rustls::pki_types::pem::PemObject;
use time::{Duration, OffsetDateTime};

use super::ca::Pki;
use super::cert::Serial;
use super::error::PkiError;
use super::files::{io_error, read, unreadable, unreadable_pem, write_public};

/// The file name of the CRL in the PKI folder.
pub use super::names::CRL_FILE;

/// How far ahead each CRL announces its successor. The bank does not refuse a stale list (it is
/// the only list there is), but tools that read `crl.pem` expect a `nextUpdate`.
const NEXT_UPDATE: Duration = Duration::days(30);

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub serial: Serial,
    pub at: OffsetDateTime,
}

/// What `revoke` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    Added,
    AlreadyRevoked,
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join(CRL_FILE)
}

/// The CRL's DER, for the TLS verifier.
pub fn load_der(dir: &Path) -> Result<CertificateRevocationListDer<'static>, PkiError> {
    let path = path(dir);
    CertificateRevocationListDer::from_pem_file(&path).map_err(|e| unreadable_pem(&path, &e))
}

impl Pki {
    /// Writes an empty CRL when there is none (a new CA, or a PKI from before revocation), or
    /// when `fresh` (a new CA: the old list's serials mean nothing to it). An existing list must
    /// read back and carry this CA's signature: it is never silently replaced, or revoked
    /// certificates would sign in again.
    pub(super) fn ensure_crl(&self, fresh: bool) -> Result<(), PkiError> {
        if fresh || !path(&self.dir).exists() {
            return self.write_crl(&[], 1);
        }
        self.crl_entries().map(|_| ())
    }

    /// The certificates this CA has revoked.
    pub fn revoked(&self) -> Result<Vec<Revoked>, PkiError> {
        Ok(self.crl_entries()?.0)
    }

    /// Adds `serial` to the CRL. Two `certs revoke` at once take turns (a lock file), so
    /// neither loses the other's entry.
    pub fn revoke(&self, serial: &Serial) -> Result<Revocation, PkiError> {
        let lock_path = self.dir.join("crl.lock");
        let lock = std::fs::File::create(&lock_path).and_then(|file| file.lock().map(|()| file));
        let _lock = lock.map_err(|source| io_error(&lock_path, &source))?;
        let (mut entries, number) = self.crl_entries()?;
        if entries.iter().any(|r| &r.serial == serial) {
            return Ok(Revocation::AlreadyRevoked);
        }
        entries.push(Revoked { serial: serial.clone(), at: OffsetDateTime::now_utc() });
        let next = number
            .checked_add(1)
            .ok_or_else(|| unreadable(&path(&self.dir), "the CRL number is exhausted"))?;
        self.write_crl(&entries, next)?;
        Ok(Revocation::Added)
    }

    /// The entries and CRL number of `crl.pem`, which must carry this CA's signature.
    fn crl_entries(&self) -> Result<(Vec<Revoked>, u64), PkiError> {
        let path = path(&self.dir);
        let pem = read(&path)?;
        let der = CertificateRevocationListDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| unreadable_pem(&path, &e))?;
        let (_, crl) = x509_parser::parse_x509_crl(&der).map_err(|e| unreadable(&path, e))?;
        let (_, ca) = x509_parser::parse_x509_certificate(&self.ca_der).map_err(|e| unreadable(&path, e))?;
        crl.verify_signature(ca.public_key())
            .map_err(|_| unreadable(&path, "not signed by the current lab CA"))?;
        let entries = crl
            .iter_revoked_certificates()
            .map(|r| Revoked {
                serial: Serial::from_bytes(r.raw_serial()),
                at: r.revocation_date.to_datetime(),
            })
            .collect();
        // The number must only grow: a list without one (or with one too large) is not ours.
        let number = crl
            .crl_number()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| unreadable(&path, "no CRL number the lab can continue"))?;
        Ok((entries, number))
    }

    fn write_crl(&self, entries: &[Revoked], number: u64) -> Result<(), PkiError> {
        let now = OffsetDateTime::now_utc();
        let params = CertificateRevocationListParams {
            this_update: now,
            next_update: now + NEXT_UPDATE,
            crl_number: rcgen::SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs: entries
                .iter()
                .map(|r| RevokedCertParams {
                    serial_number: rcgen::SerialNumber::from_slice(r.serial.bytes()),
                    revocation_time: r.at,
                    reason_code: Some(RevocationReason::Unspecified),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let issuer = Issuer::from_ca_cert_der(&self.ca_der.as_slice().into(), &self.ca_key)?;
        let crl = params.signed_by(&issuer)?;
        // Written whole, then renamed: the bank's watcher never reads half a file.
        let path = path(&self.dir);
        let partial = self.dir.join(format!("{CRL_FILE}.{}.partial", std::process::id()));
        write_public(&partial, crl.pem()?.as_bytes())?;
        std::fs::rename(&partial, &path).map_err(|source| io_error(&path, &source))
    }
}
