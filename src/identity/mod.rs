//! Who is making a request: the verified client certificate, the session cookie, and the user
//! they sign in. Resolved once per request and kept in the request's extensions.
//!
//! With a certificate (`LAB_MTLS=required|optional`, or forwarded by a trusted proxy with
//! `LAB_MTLS=proxy`), its subject CN names the user: no password step. With
//! `LAB_CERT_BINDING=fingerprint` the certificate must also be bound to that user. Without a
//! certificate, a session cookie from a password sign-in. A valid certificate that names no
//! user, or is not bound to it, is refused with a page that says so; a refusal of the
//! certificate itself is noted on the request's audit trail. A certificate whose subject is not
//! exactly one readable CN (none, or `CN=alice,CN=mallory`) names no one: it signs no one in, and
//! while it is presented no password signs anyone in either.

pub mod memory;
pub mod mode;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};
use uuid::Uuid;

use crate::accounts::{User, bindings, repo};
use crate::audit::{Check, DecidedBy};
use crate::clock;
use crate::error::{AppError, Result};
use crate::sessions::{self, Session};
use crate::state::{self, AppState};
use crate::tls::peer::{HandshakeCert, PeerCert, RefusedForward};
use crate::web::trail;
use mode::CertBinding;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedInBy {
    Certificate,
    Password,
}

impl SignedInBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Certificate => "certificate",
            Self::Password => "password",
        }
    }
}

/// Why a presented certificate signs no one in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertProblem {
    /// Its CN names no user.
    UnknownUser,
    /// Its subject is not exactly one readable CN (none, several): it names no one.
    Subject(String),
    /// Its CN names a user, but the certificate is not bound to them (`LAB_CERT_BINDING=fingerprint`).
    NotBound { user: String },
    /// The certificate fails the checks now: revoked since the connection opened, or a
    /// forwarded one the bank refused.
    Refused(String),
}

/// The identity a CSRF token is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A client certificate, by SHA-256 fingerprint.
    Certificate(String),
    /// A session (signed-in or anonymous), by id.
    Session(Uuid),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Certificate(fingerprint) => write!(f, "cert:{fingerprint}"),
            Self::Session(id) => write!(f, "session:{id}"),
        }
    }
}

/// Everything the bank knows about the sender of a request.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    pub cert: Option<PeerCert>,
    pub session: Option<Session>,
    pub user: Option<(User, SignedInBy)>,
    pub cert_problem: Option<CertProblem>,
}

impl Visitor {
    /// The visitor of `req`, resolved on first use.
    pub async fn of(req: &HttpRequest) -> Result<Self> {
        if let Some(visitor) = req.extensions().get::<Visitor>() {
            return Ok(visitor.clone());
        }
        let state = state::of(req)?;
        let visitor = Self::resolve(req, &state).await?;
        if let Some(check) = visitor.refusal(req) {
            trail::note(req, check);
        }
        req.extensions_mut().insert(visitor.clone());
        Ok(visitor)
    }

    async fn resolve(req: &HttpRequest, state: &AppState) -> Result<Self> {
        let pool = &state.pool;
        let cert = req.conn_data::<PeerCert>().or(req.extensions().get::<PeerCert>()).cloned();
        // A signed-in session first; else the login form's anonymous one (its cookie alone).
        let mut session = None;
        if let Some(cookie) = req.cookie(sessions::COOKIE) {
            session = sessions::find(pool, cookie.value()).await?;
        }
        if session.is_none()
            && let Some(cookie) = req.cookie(sessions::PRE_LOGIN_COOKIE)
        {
            session = state.login_forms.open(cookie.value(), clock::now_ms());
        }
        let forwarded = req.extensions().get::<RefusedForward>().map(|r| CertProblem::Refused(r.0.clone()));
        let (user, cert_problem) = match (&cert, &session) {
            (Some(cert), _) if let Some(why) = Self::recheck(req, state, cert) => {
                (None, Some(CertProblem::Refused(why)))
            }
            (Some(cert), _) => Self::certificate_user(state, cert).await?,
            (None, Some(Session { user_id: Some(id), .. })) => {
                (repo::find_by_id(pool, *id).await?.map(|u| (u, SignedInBy::Password)), forwarded)
            }
            (None, _) => (None, forwarded),
        };
        Ok(Self { cert, session, user, cert_problem })
    }

    /// The refusal of this connection's certificate that the audit trail notes: one the CA
    /// signed for a user it is not bound to, or one that no longer passes the handshake's checks.
    /// (A forwarded certificate's refusal is the proxy layer's to note.)
    fn refusal(&self, req: &HttpRequest) -> Option<Check> {
        match &self.cert_problem {
            Some(CertProblem::NotBound { user }) => Some(Check::refused(
                DecidedBy::CertBinding,
                format!(
                    "the certificate names \"{user}\" but its fingerprint is not bound to {user} \
                     (LAB_CERT_BINDING=fingerprint): refused"
                ),
            )),
            Some(CertProblem::Subject(problem)) => Some(Check::refused(
                DecidedBy::Identity,
                format!("the certificate was issued by the lab CA but {problem}: refused"),
            )),
            Some(CertProblem::Refused(why)) if req.conn_data::<HandshakeCert>().is_some() => {
                Some(Check::refused(
                    DecidedBy::CertificateCheck,
                    format!("the certificate of this connection no longer passes: {why}"),
                ))
            }
            _ => None,
        }
    }

    /// The handshake checked this connection's certificate when it opened; a connection (or a
    /// resumed session) can outlive a revocation, so each request checks it again.
    fn recheck(req: &HttpRequest, state: &AppState, cert: &PeerCert) -> Option<String> {
        let der = req.conn_data::<HandshakeCert>()?;
        let verifier = state.verifier.as_ref()?;
        let check = || verifier.check(&der.0[..].into()).map_err(|refusal| refusal.reason);
        state.certificates.recheck(&cert.fingerprint, verifier.generation(), check).err()
    }

    /// The user a certificate signs in, or why none.
    async fn certificate_user(
        state: &AppState,
        cert: &PeerCert,
    ) -> Result<(Option<(User, SignedInBy)>, Option<CertProblem>)> {
        let generation = state.verifier.as_ref().map_or(0, |v| v.generation());
        if let Some(user) = state.certificates.user(&cert.fingerprint, generation) {
            return Ok((Some((user, SignedInBy::Certificate)), None));
        }
        if let Some(problem) = cert.subject_problem {
            return Ok((None, Some(CertProblem::Subject(problem.to_string()))));
        }
        let Some(user) = (match &cert.common_name {
            Some(cn) => state.directory.find(&state.pool, cn).await?,
            None => None,
        }) else {
            return Ok((None, Some(CertProblem::UnknownUser)));
        };
        if state.settings.identity.binding == CertBinding::Fingerprint
            && !bindings::is_bound(&state.pool, user.id, &cert.fingerprint).await?
        {
            return Ok((None, Some(CertProblem::NotBound { user: user.username.to_string() })));
        }
        state.certificates.remember_user(&cert.fingerprint, generation, &user);
        Ok((Some((user, SignedInBy::Certificate)), None))
    }

    /// The identity a CSRF token is bound to: the certificate if one was presented, else the session.
    pub fn csrf_subject(&self) -> Option<Subject> {
        match (&self.cert, &self.session) {
            (Some(cert), _) => Some(Subject::Certificate(cert.fingerprint.clone())),
            (None, Some(session)) => Some(Subject::Session(session.id)),
            (None, None) => None,
        }
    }

    pub fn username(&self) -> Option<String> {
        self.user.as_ref().map(|(user, _)| user.username.to_string())
    }

    /// The signed-in user, or the reason there is none.
    pub fn signed_in(&self) -> Result<SignedIn> {
        if let Some((user, by)) = &self.user {
            return Ok(SignedIn { user: user.clone(), by: *by, visitor: self.clone() });
        }
        let cn =
            || self.cert.as_ref().and_then(|c| c.common_name.clone()).unwrap_or_else(|| "(none)".to_owned());
        Err(match &self.cert_problem {
            Some(CertProblem::UnknownUser) => AppError::UnknownCertificateUser { cn: cn() },
            Some(CertProblem::Subject(problem)) => AppError::CertificateNamesNoOne(problem.clone()),
            Some(CertProblem::NotBound { user }) => AppError::UnboundCertificate {
                user: user.clone(),
                fingerprint: self.cert.as_ref().map(|c| c.fingerprint.clone()).unwrap_or_default(),
            },
            Some(CertProblem::Refused(reason)) => AppError::CertificateRefused(reason.clone()),
            None => AppError::NotSignedIn,
        })
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Visitor::of(&req).await })
    }
}

/// A request from a signed-in user; handlers that take it refuse everyone else.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub by: SignedInBy,
    pub visitor: Visitor,
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Visitor::of(&req).await?.signed_in() })
    }
}
