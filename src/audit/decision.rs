//! Who decides about a request, and what each said.

/// The part of the bank that decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    /// The TLS handshake's certificate checks, before any request was read.
    MtlsHandshake,
    /// `LAB_TRUSTED_PROXIES`: who may forward a certificate in a header.
    TrustedProxies,
    /// The checks of a certificate a proxy forwarded (lab CA, dates, usage, CRL).
    ProxyCertificate,
    /// The per-request re-check of the connection's certificate (revoked since it connected).
    CertificateCheck,
    /// `LAB_CERT_BINDING=fingerprint`: the certificate is not bound to the user its CN names.
    CertBinding,
    /// Who is signed in: no one, an unknown CN, a password sign-in against the certificate.
    Identity,
    /// `LAB_MTLS`: password sign-in switched off.
    Mtls,
    OriginCheck,
    FetchMetadata,
    CsrfToken,
    /// The request itself: a form or amount that does not read.
    Input,
    /// The bank: it served the request, or could not.
    Bank,
}

impl DecidedBy {
    /// Whether this part decides who the sender is (rather than whether to serve the request).
    pub fn is_identity(self) -> bool {
        matches!(
            self,
            Self::MtlsHandshake
                | Self::TrustedProxies
                | Self::ProxyCertificate
                | Self::CertificateCheck
                | Self::CertBinding
                | Self::Identity
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MtlsHandshake => "mtls-handshake",
            Self::TrustedProxies => "trusted-proxies",
            Self::ProxyCertificate => "proxy-certificate",
            Self::CertificateCheck => "certificate-check",
            Self::CertBinding => "cert-binding",
            Self::Identity => "identity",
            Self::Mtls => "mtls",
            Self::OriginCheck => "origin-check",
            Self::FetchMetadata => "fetch-metadata",
            Self::CsrfToken => "csrf-token",
            Self::Input => "input",
            Self::Bank => "bank",
        }
    }
}

/// What one part said about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    /// It let the request through, and why.
    Passed(String),
    /// It is switched off by this flag.
    Off { flag: &'static str },
    /// It refused, and why. An identity refusal (a header stripped, a certificate not bound) lets
    /// the request go on without that identity; a protection's refusal ends it.
    Refused(String),
}

/// One decision on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub by: DecidedBy,
    pub said: Said,
}

impl Check {
    pub fn passed(by: DecidedBy, why: impl Into<String>) -> Self {
        Self { by, said: Said::Passed(why.into()) }
    }

    pub fn off(by: DecidedBy, flag: &'static str) -> Self {
        Self { by, said: Said::Off { flag } }
    }

    pub fn refused(by: DecidedBy, why: impl Into<String>) -> Self {
        Self { by, said: Said::Refused(why.into()) }
    }

    /// The line of the audit row's `checks`.
    pub fn line(&self) -> String {
        let by = self.by.as_str();
        match &self.said {
            Said::Passed(why) => format!("{by} passed: {why}"),
            Said::Off { flag } => format!("{by} off ({flag}=off)"),
            Said::Refused(_) => format!("{by} refused"),
        }
    }
}

/// A client certificate as the audit log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSeen {
    pub cn: Option<String>,
    /// SHA-256 of the DER, `AB:CD:...`.
    pub fingerprint: String,
}

/// The decisions on one request, in the order they were taken, and what was learnt on the way
/// (the certificate a header claimed; remarks for the row's reason).
#[derive(Debug, Clone, Default)]
pub struct Trail {
    pub checks: Vec<Check>,
    /// A certificate the request claimed but that signs no one in (an untrusted proxy header).
    pub claimed: Option<CertSeen>,
    /// Added to the row's reason (what an observer of the bank concluded).
    pub remarks: Vec<String>,
}

impl Trail {
    pub fn note(&mut self, check: Check) {
        self.checks.push(check);
    }

    /// The first refusal of an identity on the trail, if any.
    pub fn identity_refusal(&self) -> Option<(DecidedBy, &str)> {
        self.checks.iter().find_map(|c| match &c.said {
            Said::Refused(why) if c.by.is_identity() => Some((c.by, why.as_str())),
            _ => None,
        })
    }

    /// The first refusal on the trail, if any.
    pub fn first_refusal(&self) -> Option<(DecidedBy, &str)> {
        self.checks.iter().find_map(|c| match &c.said {
            Said::Refused(why) => Some((c.by, why.as_str())),
            _ => None,
        })
    }
}
