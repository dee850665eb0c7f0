//! Who is making a request: the verified client certificate, the session cookie, and the user
//! they sign in. Resolved once per request and kept in the request's extensions.
//!
//! With a certificate (`LAB_MTLS=required|optional`), its subject CN **is** the sign-in: no
//! password step. Without one, a session cookie from a password sign-in. A valid certificate
//! whose CN names no user is refused with a page that says so.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::accounts::{User, repo};
use crate::error::{AppError, Result};
use crate::protections::csrf::Subject;
use crate::sessions::{self, Session};
use crate::state::AppState;
use crate::tls::peer::PeerCert;

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

/// Everything the bank knows about the sender of a request.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    pub cert: Option<PeerCert>,
    pub session: Option<Session>,
    pub user: Option<(User, SignedInBy)>,
}

impl Visitor {
    /// The visitor of `req`, resolved on first use.
    pub async fn of(req: &HttpRequest) -> Result<Self> {
        if let Some(visitor) = req.extensions().get::<Visitor>() {
            return Ok(visitor.clone());
        }
        let state = req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(|| AppError::internal("identity", "application state missing"))?;
        let visitor = Self::resolve(req, state).await?;
        req.extensions_mut().insert(visitor.clone());
        Ok(visitor)
    }

    async fn resolve(req: &HttpRequest, state: &AppState) -> Result<Self> {
        let pool = &state.pool;
        let cert = req.conn_data::<PeerCert>().cloned();
        // A signed-in session first; else the login form's anonymous one.
        let mut session = None;
        for name in [sessions::COOKIE, sessions::PRE_LOGIN_COOKIE] {
            if let Some(cookie) = req.cookie(name) {
                session = sessions::find(pool, name, cookie.value()).await?;
            }
            if session.is_some() {
                break;
            }
        }
        let user = match (&cert, &session) {
            (Some(cert), _) => match &cert.common_name {
                Some(cn) => repo::find(pool, cn).await?.map(|u| (u, SignedInBy::Certificate)),
                None => None,
            },
            (None, Some(Session { user_id: Some(id), .. })) => {
                repo::find_by_id(pool, *id).await?.map(|u| (u, SignedInBy::Password))
            }
            (None, _) => None,
        };
        Ok(Self { cert, session, user })
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
        match (&self.user, &self.cert) {
            (Some((user, by)), _) => Ok(SignedIn { user: user.clone(), by: *by, visitor: self.clone() }),
            (None, Some(cert)) => Err(AppError::UnknownCertificateUser {
                cn: cert.common_name.clone().unwrap_or_else(|| "(none)".to_owned()),
            }),
            (None, None) => Err(AppError::NotSignedIn),
        }
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
