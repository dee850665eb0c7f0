//! What the server saw for each state-changing request, allowed or refused.
//!
//! The audit page is how a trainee sees the bank's side of an attack: which headers arrived
//! (Origin, Referer, Sec-Fetch-*), which identity (certificate CN and fingerprint, user), and
//! which protection decided, and why. Identity decisions are recorded too: client certificates
//! refused in the TLS handshake (with rustls's reason), certificates not bound to their user,
//! and certificate headers from a proxy that was not trusted or whose certificate failed.

use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpMessage, HttpRequest};
use sqlx::SqlitePool;
use uuid::Uuid;

use crate::clock;
use crate::identity::Visitor;
use crate::tls::peer::PeerCert;
use crate::tls::verifier::Refusal;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Refused,
}

/// The request facts an audit event records, read from the request's headers.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct RequestFacts {
    pub method: String,
    pub path: String,
    pub origin: Option<String>,
    pub referer: Option<String>,
    pub sec_fetch_site: Option<String>,
    pub sec_fetch_mode: Option<String>,
    pub sec_fetch_dest: Option<String>,
}

impl RequestFacts {
    pub fn of(req: &HttpRequest) -> Self {
        let get = |name: HeaderName| {
            req.headers().get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        Self {
            method: req.method().to_string(),
            path: req.uri().path_and_query().map_or_else(|| req.path().to_owned(), |pq| pq.to_string()),
            origin: get(header::ORIGIN),
            referer: get(header::REFERER),
            sec_fetch_site: get(HeaderName::from_static("sec-fetch-site")),
            sec_fetch_mode: get(HeaderName::from_static("sec-fetch-mode")),
            sec_fetch_dest: get(HeaderName::from_static("sec-fetch-dest")),
        }
    }
}

/// The decision on a request: which protection or part of the bank decided, and why.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub decision: Decision,
    pub decided_by: String,
    pub reason: String,
    pub status: u16,
}

/// A note a handler leaves for the audit log: what it did (e.g. the transfer it made).
#[derive(Debug, Clone)]
pub struct Note(pub String);

/// Leaves a [`Note`] on the request for the audit log.
pub fn note(req: &HttpRequest, text: String) {
    req.extensions_mut().insert(Note(text));
}

/// One audit event, as stored and as shown.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditEvent {
    pub at: i64,
    pub username: Option<String>,
    pub cert_cn: Option<String>,
    pub cert_fingerprint: Option<String>,
    #[sqlx(flatten)]
    pub request: RequestFacts,
    pub decision: String,
    pub decided_by: String,
    pub reason: String,
    pub checks: String,
    pub status: i64,
}

impl AuditEvent {
    pub fn new(facts: RequestFacts, visitor: &Visitor, verdict: Verdict, checks: &[String]) -> Self {
        Self {
            at: clock::now_ms(),
            username: visitor.username(),
            cert_cn: visitor.cert.as_ref().and_then(|c| c.common_name.clone()),
            cert_fingerprint: visitor.cert.as_ref().map(|c| c.fingerprint.clone()),
            request: facts,
            decision: match verdict.decision {
                Decision::Allowed => "allowed",
                Decision::Refused => "refused",
            }
            .to_owned(),
            decided_by: verdict.decided_by,
            reason: verdict.reason,
            checks: checks.join("\n"),
            status: i64::from(verdict.status),
        }
    }

    /// An identity decision taken outside the guard (which records state-changing requests).
    pub fn identity(
        facts: RequestFacts,
        username: Option<String>,
        cert: Option<&PeerCert>,
        decided_by: &str,
        reason: String,
        status: u16,
    ) -> Self {
        Self {
            at: clock::now_ms(),
            username,
            cert_cn: cert.and_then(|c| c.common_name.clone()),
            cert_fingerprint: cert.map(|c| c.fingerprint.clone()),
            request: facts,
            decision: "refused".to_owned(),
            decided_by: decided_by.to_owned(),
            reason,
            checks: String::new(),
            status: i64::from(status),
        }
    }

    /// A client certificate refused during the TLS handshake: no request was ever read.
    pub fn handshake(refusal: &Refusal) -> Self {
        let facts = RequestFacts {
            method: "TLS".to_owned(),
            path: "(handshake)".to_owned(),
            ..RequestFacts::default()
        };
        let cert = refusal.cert.as_ref().map(PeerCert::from_info);
        Self::identity(facts, None, cert.as_ref(), "mtls-handshake", refusal.reason.clone(), 0)
    }

    pub fn when(&self) -> String {
        clock::display(self.at)
    }

    pub fn refused(&self) -> bool {
        self.decision == "refused"
    }

    pub fn check_lines(&self) -> Vec<&str> {
        self.checks.lines().collect()
    }
}

pub async fn record(pool: &SqlitePool, event: &AuditEvent) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, username, cert_cn, cert_fingerprint, method, path, origin, \
         referer, sec_fetch_site, sec_fetch_mode, sec_fetch_dest, decision, decided_by, reason, checks, \
         status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(Uuid::now_v7())
    .bind(event.at)
    .bind(&event.username)
    .bind(&event.cert_cn)
    .bind(&event.cert_fingerprint)
    .bind(&event.request.method)
    .bind(&event.request.path)
    .bind(&event.request.origin)
    .bind(&event.request.referer)
    .bind(&event.request.sec_fetch_site)
    .bind(&event.request.sec_fetch_mode)
    .bind(&event.request.sec_fetch_dest)
    .bind(&event.decision)
    .bind(&event.decided_by)
    .bind(&event.reason)
    .bind(&event.checks)
    .bind(event.status)
    .execute(pool)
    .await?;
    Ok(())
}

/// The newest events first.
pub async fn recent(pool: &SqlitePool, limit: i64) -> sqlx::Result<Vec<AuditEvent>> {
    sqlx::query_as(
        "SELECT at, username, cert_cn, cert_fingerprint, method, path, origin, referer, sec_fetch_site, \
         sec_fetch_mode, sec_fetch_dest, decision, decided_by, reason, checks, status \
         FROM audit_events ORDER BY id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
