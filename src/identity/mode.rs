//! How the bank learns who a client is (`LAB_MTLS`), and what links a certificate to an account
//! (`LAB_CERT_BINDING`).

/// How the bank learns who the client is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtlsMode {
    /// A client certificate from the lab CA is required; its CN is the sign-in.
    Required,
    /// A presented certificate signs in; without one, password login and a session cookie.
    Optional,
    /// Server-only TLS; password login and a session cookie.
    Off,
    /// Plain HTTP on loopback behind a TLS-terminating proxy that verifies the certificate and
    /// forwards it in a header (`LAB_CLIENT_CERT_HEADER`), honoured from `LAB_TRUSTED_PROXIES` only.
    Proxy,
}

impl MtlsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Optional => "optional",
            Self::Off => "off",
            Self::Proxy => "proxy",
        }
    }

    /// The mode a `LAB_MTLS` value names.
    pub fn from_choice(text: &str) -> Option<Self> {
        [Self::Required, Self::Optional, Self::Off, Self::Proxy].into_iter().find(|m| m.as_str() == text)
    }

    /// Whether a password sign-in is offered in this mode.
    pub fn allows_password(self) -> bool {
        matches!(self, Self::Optional | Self::Off)
    }

    /// Whether the certificate is the sign-in (presented in the handshake or forwarded by the proxy).
    pub fn certificate_signs_in(self) -> bool {
        !matches!(self, Self::Off)
    }
}

/// What links a client certificate to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertBinding {
    /// The certificate's SHA-256 fingerprint must be bound to the user its CN names.
    Fingerprint,
    /// Any valid certificate from the lab CA signs in the user its CN names.
    Cn,
}

impl CertBinding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fingerprint => "fingerprint",
            Self::Cn => "cn",
        }
    }

    /// The binding a `LAB_CERT_BINDING` value names.
    pub fn from_choice(text: &str) -> Option<Self> {
        [Self::Fingerprint, Self::Cn].into_iter().find(|b| b.as_str() == text)
    }
}

/// The identity settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentitySettings {
    pub mtls: MtlsMode,
    pub binding: CertBinding,
}
