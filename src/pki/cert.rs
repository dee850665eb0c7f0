//! What the lab reads from a certificate, and the pieces it issues them from.

use std::path::Path;

use time::{Duration, OffsetDateTime};

use super::error::PkiError;
use super::files::{pem_der, read, unreadable};

/// A certificate serial number: big-endian bytes without leading zeros, shown as uppercase hex
/// (as `openssl x509 -noout -serial` prints it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Serial(Vec<u8>);

impl Serial {
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        Self(bytes[start..].to_vec())
    }

    /// Hex digits, with or without colons, in either case (`7A:3B:..`, `7a3b..`).
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text.trim().chars().filter(|c| *c != ':').collect();
        if digits.is_empty() || digits.len() > 40 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let padded = if digits.len() % 2 == 1 { format!("0{digits}") } else { digits };
        let bytes = (0..padded.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&padded[i..i + 2], 16))
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        Some(Self::from_bytes(&bytes))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Display for Serial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("00");
        }
        self.0.iter().try_for_each(|b| write!(f, "{b:02X}"))
    }
}

/// What the lab reads from a certificate: who it names, its serial, expiry and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// The subject's one CN; `None` when the subject has none, several, or one that is not text.
    pub common_name: Option<String>,
    /// What is wrong with the subject when it does not name exactly one CN.
    pub subject_problem: Option<SubjectProblem>,
    pub serial: Serial,
    pub not_after: OffsetDateTime,
    /// SHA-256 of the DER as browsers show it (`AB:CD:...`).
    pub fingerprint: String,
}

impl CertInfo {
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        let (common_name, subject_problem) = match sole_common_name(cert.subject()) {
            Ok(cn) => (Some(cn), None),
            Err(problem) => (None, Some(problem)),
        };
        Some(Self {
            common_name,
            subject_problem,
            serial: Serial::from_bytes(cert.raw_serial()),
            not_after: cert.validity().not_after.to_datetime(),
            fingerprint: crate::crypto::fingerprint(der),
        })
    }

    /// The first certificate of a PEM file.
    pub fn from_pem_file(path: &Path) -> Result<Self, PkiError> {
        Self::read_pem_file(path).map(|(info, _)| info)
    }

    /// The first certificate of a PEM file, and its DER.
    pub fn read_pem_file(path: &Path) -> Result<(Self, Vec<u8>), PkiError> {
        let pem = read(path)?;
        pem_der(&pem)
            .and_then(|der| Some((Self::from_der(&der)?, der)))
            .ok_or_else(|| unreadable(path, "no X.509 certificate in the file"))
    }
}

/// Why a certificate's subject names no one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectProblem {
    NoCn,
    /// Several CNs (the count, capped): `CN=alice,CN=mallory` must not read as alice.
    SeveralCns(u16),
    /// A CN that is not readable text.
    Unreadable,
    /// Not an X.509 certificate the lab can read at all.
    Unparsable,
}

impl std::fmt::Display for SubjectProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoCn => f.write_str("its subject has no CN, so it names no user"),
            Self::SeveralCns(n) => write!(f, "its subject has {n} CNs; exactly one must name the user"),
            Self::Unreadable => f.write_str("its subject CN is not readable text"),
            Self::Unparsable => f.write_str("it could not be read as an X.509 certificate"),
        }
    }
}

/// The one CN of a subject, or what is wrong with it.
fn sole_common_name(subject: &x509_parser::x509::X509Name<'_>) -> Result<String, SubjectProblem> {
    let names: Vec<_> = subject.iter_common_name().collect();
    match names.as_slice() {
        [] => Err(SubjectProblem::NoCn),
        [one] => one.as_str().map(str::to_owned).map_err(|_| SubjectProblem::Unreadable),
        more => Err(SubjectProblem::SeveralCns(u16::try_from(more.len()).unwrap_or(u16::MAX))),
    }
}

/// A validity window.
#[derive(Debug, Clone, Copy)]
pub struct Validity {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// From an hour ago (clock skew) for `days` days.
    pub fn days(days: i64) -> Self {
        let now = OffsetDateTime::now_utc();
        Self { not_before: now - Duration::hours(1), not_after: now + Duration::days(days) }
    }
}

/// A certificate and its private key, PEM and DER.
pub struct Issued {
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    pub key_pem: String,
    pub key_der: Vec<u8>,
}
