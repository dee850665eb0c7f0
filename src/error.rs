//! One error type for the bank, and the one place that maps it to a status code.
//!
//! Handlers return [`AppError`]; `error_response` sets the status and keeps the error attached to
//! the response, and [`crate::web::errors`] renders the page a trainee sees (or JSON under
//! `/api/`). Internal errors are logged with their cause and shown as a plain message.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::audit::DecidedBy;
use crate::transfers::{ExecuteError, TransferError};

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("You are not signed in.")]
    NotSignedIn,
    #[error(
        "Your certificate is valid (issued by the lab CA) but its subject CN \"{cn}\" names no \
         user of this bank."
    )]
    UnknownCertificateUser { cn: String },
    #[error("Your certificate is valid (issued by the lab CA) but {0}: it signs no one in.")]
    CertificateNamesNoOne(String),
    #[error(
        "Your certificate is valid and names \"{user}\", but it is not bound to {user}'s account \
         (fingerprint {fingerprint})."
    )]
    UnboundCertificate { user: String, fingerprint: String },
    #[error("Your certificate was refused: {0}.")]
    CertificateRefused(String),
    #[error(
        "Password sign-in is switched off: with LAB_MTLS=required your client certificate is your \
         sign-in."
    )]
    PasswordLoginDisabled,
    #[error(
        "Your browser presented the certificate of \"{cert}\", so you cannot sign in with a \
         password as \"{tried}\"."
    )]
    CertificateMismatch { cert: String, tried: String },
    #[error(
        "The origin check refused this request ({header}: {}): {reason}.",
        .value.as_deref().map_or("not sent".to_owned(), |v| format!("\"{v}\""))
    )]
    OriginRefused { header: &'static str, value: Option<String>, reason: String },
    #[error("The CSRF token check refused this request: {0}.")]
    CsrfRefused(String),
    #[error("Fetch Metadata refused this request: {0}.")]
    FetchMetadataRefused(String),
    #[error(
        "Too many failed sign-ins for this username from your address: wait {wait_secs} s before \
         trying again."
    )]
    SignInThrottled { wait_secs: u64 },
    #[error("{0}")]
    Transfer(#[from] TransferError),
    #[error("{0}")]
    BadRequest(String),
    #[error("The request body did not arrive within 10 s.")]
    BodyTimeout,
    #[error("Nothing here: {0}")]
    NotFound(String),
    #[error(
        "The protections panel answers only on this machine (start the lab with LAB_ALLOW_PUBLIC=yes to \
         switch protections from elsewhere)."
    )]
    LocalOnly,
    #[error("Something went wrong inside the bank; the details are in the server log.")]
    Internal(String),
}

impl AppError {
    /// A short headline for the error page.
    pub fn title(&self) -> &'static str {
        match self {
            Self::NotSignedIn => "Sign in first",
            Self::UnknownCertificateUser { .. } => "Certificate not linked to an account",
            Self::CertificateNamesNoOne(_) => "Certificate names no one",
            Self::UnboundCertificate { .. } => "Certificate not bound to the account",
            Self::CertificateRefused(_) => "Certificate refused",
            Self::PasswordLoginDisabled => "Your certificate is your sign-in",
            Self::CertificateMismatch { .. } => "Certificate and password disagree",
            Self::SignInThrottled { .. } => "Too many sign-in attempts",
            Self::OriginRefused { .. } => "Refused by the origin check",
            Self::CsrfRefused(_) => "Refused by the CSRF token check",
            Self::FetchMetadataRefused(_) => "Refused by Fetch Metadata",
            Self::Transfer(e) if e.is_conflict() => "Transfer not possible",
            Self::Transfer(_) => "Check the transfer",
            Self::BadRequest(_) => "Bad request",
            Self::BodyTimeout => "Request timeout",
            Self::NotFound(_) => "Not found",
            Self::LocalOnly => "Only on this machine",
            Self::Internal(_) => "Internal error",
        }
    }

    /// The protection (or part of the bank) that produced this error, for the audit log.
    pub fn decided_by(&self) -> DecidedBy {
        match self {
            Self::OriginRefused { .. } => DecidedBy::OriginCheck,
            Self::CsrfRefused(_) => DecidedBy::CsrfToken,
            Self::FetchMetadataRefused(_) => DecidedBy::FetchMetadata,
            Self::NotSignedIn
            | Self::UnknownCertificateUser { .. }
            | Self::CertificateNamesNoOne(_)
            | Self::CertificateMismatch { .. }
            | Self::SignInThrottled { .. } => DecidedBy::Identity,
            Self::UnboundCertificate { .. } => DecidedBy::CertBinding,
            Self::CertificateRefused(_) => DecidedBy::CertificateCheck,
            Self::PasswordLoginDisabled => DecidedBy::Mtls,
            Self::Transfer(_) | Self::BadRequest(_) | Self::BodyTimeout => DecidedBy::Input,
            Self::NotFound(_) | Self::LocalOnly | Self::Internal(_) => DecidedBy::Bank,
        }
    }

    /// Whether the error is about the visitor's certificate (or the lack of one).
    pub fn about_certificates(&self) -> bool {
        matches!(
            self,
            Self::NotSignedIn
                | Self::UnknownCertificateUser { .. }
                | Self::CertificateNamesNoOne(_)
                | Self::UnboundCertificate { .. }
                | Self::CertificateRefused(_)
                | Self::CertificateMismatch { .. }
        )
    }

    /// What a trainee can do about it, or what it teaches.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Self::NotSignedIn => {
                "Sign in with a password, or have the browser present a certificate: the start page \
                 below says which step is missing."
            }
            Self::UnknownCertificateUser { .. } => {
                "The lab CA signed this certificate, but the bank links \
                 accounts to certificates by subject CN. Use alice.p12, bob.p12 or mallory.p12."
            }
            Self::CertificateNamesNoOne(_) => {
                "The bank reads the user from a certificate's one subject CN. A certificate with no \
                 CN, or with two, names no one: it signs no one in, and while the browser presents \
                 it, a password sign-in is refused too. Use alice.p12, bob.p12 or mallory.p12."
            }
            Self::UnboundCertificate { .. } => {
                "With LAB_CERT_BINDING=fingerprint a certificate signs in only once it is bound to \
                 its user, so a second certificate the CA issues for the same name (a new device, a \
                 mistake, an insider) opens nothing by itself. Bind it with `clickjack-lab certs bind \
                 <user>` (or restart with LAB_CERT_BINDING=cn to see the CN alone decide)."
            }
            Self::CertificateRefused(_) => {
                "The bank checks the certificate on every request, not only when the connection \
                 opens (lab CA, dates, usage, certs/crl.pem): a revocation applies at once, and a \
                 certificate a proxy forwards is checked again. The audit log has the details."
            }
            Self::PasswordLoginDisabled => {
                "Restart with LAB_MTLS=optional or LAB_MTLS=off to try password \
                 sign-in and cookie sessions."
            }
            Self::CertificateMismatch { .. } => {
                "A password sign-in may not claim someone else's identity \
                 while the browser proves yours with a certificate."
            }
            Self::OriginRefused { .. } => {
                "The bank takes state-changing requests only from its own origin. If \
                 an attack page sent this, the origin check just stopped a cross-site request. The audit \
                 log shows every header the bank saw."
            }
            Self::CsrfRefused(_) => {
                "Every bank form carries a secret token bound to your identity; another \
                 site cannot read it, so it cannot forge the request. The audit log shows what arrived."
            }
            Self::FetchMetadataRefused(_) => {
                "The browser said this request came from inside a frame \
                 (Sec-Fetch-Dest). The bank does not take orders from framed pages, nor show its \
                 pages in another origin's frames: that is how clickjacking arrives."
            }
            Self::SignInThrottled { .. } => {
                "After 5 failed attempts each one waits twice as long as the last (at most a \
                 minute): guessing a password is slow, and a stranger elsewhere cannot hold you out."
            }
            Self::Transfer(_) => "Nothing was moved. Go back, correct the transfer and confirm again.",
            _ => return None,
        })
    }

    /// Seconds to wait before trying again (`Retry-After`), for a throttled request.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::SignInThrottled { wait_secs } => Some(*wait_secs),
            _ => None,
        }
    }

    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!("{context}: {cause}");
        Self::Internal(format!("{context}: {cause}"))
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal("database", e)
    }
}

impl From<ExecuteError> for AppError {
    fn from(e: ExecuteError) -> Self {
        match e {
            ExecuteError::Refused(refused) => Self::Transfer(refused),
            ExecuteError::Db(db) => db.into(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotSignedIn => StatusCode::UNAUTHORIZED,
            Self::UnknownCertificateUser { .. }
            | Self::CertificateNamesNoOne(_)
            | Self::UnboundCertificate { .. }
            | Self::CertificateRefused(_)
            | Self::PasswordLoginDisabled
            | Self::CertificateMismatch { .. }
            | Self::OriginRefused { .. }
            | Self::CsrfRefused(_)
            | Self::FetchMetadataRefused(_)
            | Self::LocalOnly => StatusCode::FORBIDDEN,
            Self::Transfer(TransferError::RequestIdTaken | TransferError::RequestIdForeign) => {
                StatusCode::BAD_REQUEST
            }
            Self::Transfer(e) if e.is_conflict() => StatusCode::CONFLICT,
            Self::Transfer(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::SignInThrottled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A bare response: the error page is rendered by `web::errors`, which has the app's state.
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(self.to_string())
    }
}
