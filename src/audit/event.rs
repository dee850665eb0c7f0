//! One audit row: the request facts, the identity, and the decision composed from the request's
//! trail and the bank's answer.

use super::capped::{REASON_CAP, capped, cut};
use super::decision::{CertSeen, DecidedBy, Trail};
use super::outcome::Outcome;
use crate::clock;

/// The request facts an audit event records, read from the request's headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFacts {
    pub method: String,
    pub path: String,
    pub origin: Option<String>,
    pub referer: Option<String>,
    pub sec_fetch_site: Option<String>,
    pub sec_fetch_mode: Option<String>,
    pub sec_fetch_dest: Option<String>,
}

crate::from_row!(RequestFacts {
    method,
    path,
    origin,
    referer,
    sec_fetch_site,
    sec_fetch_mode,
    sec_fetch_dest
});

/// Who sent the request, as far as the bank knows.
#[derive(Debug, Clone, Default)]
pub struct Who {
    pub username: Option<String>,
    pub cert: Option<CertSeen>,
    /// The peer's address (the proxy's, behind one): where repeated refusals come from.
    pub peer: Option<String>,
}

/// The bank's answer to a request.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// The error the answer carries: who refused, and the message shown.
    pub error: Option<(DecidedBy, String)>,
    /// What the handler did.
    pub outcome: Option<Outcome>,
}

/// One audit event, as stored and as shown.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub at: i64,
    pub username: Option<String>,
    pub cert_cn: Option<String>,
    pub cert_fingerprint: Option<String>,
    pub request: RequestFacts,
    pub decision: String,
    pub decided_by: String,
    pub reason: String,
    pub checks: String,
    pub status: i64,
    /// How many times it came (a refusal repeated from the same source collapses into one row).
    pub repeats: i64,
    /// When it last came, if it repeated.
    pub last_at: Option<i64>,
    /// What its repeats share (peer, who decided, request line, identity): `None`, never collapsed.
    pub source: Option<String>,
}

impl AuditEvent {
    /// A request's row, decided by what ended the request: the error its answer carries (a
    /// protection's refusal, bad input, no identity), else the bank. An identity the bank refused
    /// on the way (a certificate not bound, a header from an untrusted peer) decides when the
    /// request ended for want of an identity (the cause, not the consequence); when the request
    /// went on to another end, it is told in the reason and the checks.
    pub fn of_request(request: RequestFacts, who: Who, trail: Trail, answer: Answer) -> Self {
        let outcome = answer.outcome.as_ref().and_then(Outcome::describe);
        let status_text = || format!("answered {}", answer.status);
        let identity = trail.identity_refusal();
        let for_want_of_identity = answer.error.as_ref().is_some_and(|(by, _)| by.is_identity());
        let (by, refused, mut reason) = match (identity, &answer.error) {
            (Some((by, why)), _) if for_want_of_identity => (by, true, why.to_owned()),
            (_, Some((by, message))) => (*by, true, message.clone()),
            (_, None) if answer.status == 401 => {
                (DecidedBy::Identity, true, outcome.unwrap_or_else(status_text))
            }
            (_, None) if answer.status >= 400 => (DecidedBy::Bank, true, outcome.unwrap_or_else(status_text)),
            (_, None) => (
                DecidedBy::Bank,
                false,
                outcome.unwrap_or_else(|| "every protection passed; request served".into()),
            ),
        };
        if let Some((identity_by, why)) = identity.filter(|(identity_by, _)| *identity_by != by) {
            reason.push_str(&format!("; on the way, {} refused an identity: {why}", identity_by.as_str()));
        }
        for remark in &trail.remarks {
            reason.push_str("; ");
            reason.push_str(remark);
        }
        let mut lines: Vec<String> = trail.checks.iter().map(|c| c.line()).collect();
        if let Some((error_by, _)) = &answer.error {
            let line = format!("{} refused", error_by.as_str());
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
        let cert = who.cert.or(trail.claimed);
        let cert_fingerprint = cert.as_ref().map(|c| c.fingerprint.clone());
        let reason = cut(&reason, REASON_CAP).into_owned();
        // Refusals and CSP reports cost a stranger nothing to repeat: they collapse by source.
        let collapses = refused || matches!(answer.outcome, Some(Outcome::CspReport { .. }));
        let source = collapses.then(|| {
            let path = request.path.split('?').next().unwrap_or_default();
            let (peer, user) = (who.peer.as_deref(), who.username.as_deref());
            let fingerprint = cert_fingerprint.as_deref();
            let (by, method, reason) = (by.as_str(), &request.method, digest(&reason));
            format!("{peer:?} {by} {method} {path} {user:?} {fingerprint:?} {reason:x}")
        });
        Self {
            at: clock::now_ms(),
            username: who.username,
            cert_cn: cert.and_then(|c| c.cn).map(|cn| capped(&cn).into_owned()),
            cert_fingerprint,
            request,
            decision: if refused { "refused" } else { "allowed" }.to_owned(),
            decided_by: by.as_str().to_owned(),
            reason,
            checks: lines.join("\n"),
            status: i64::from(answer.status),
            repeats: 1,
            last_at: None,
            source,
        }
    }

    /// A client certificate refused during the TLS handshake: no request was ever read.
    /// It collapses with the same refusal of the same certificate (the verifier never sees the
    /// peer's address).
    pub fn handshake(cert: Option<CertSeen>, reason: String) -> Self {
        let cert_cn = cert.as_ref().and_then(|c| c.cn.as_deref()).map(|cn| capped(cn).into_owned());
        let cert_fingerprint = cert.map(|c| c.fingerprint);
        let reason = cut(&reason, REASON_CAP).into_owned();
        Self {
            at: clock::now_ms(),
            username: None,
            source: Some(format!("handshake {cert_cn:?} {cert_fingerprint:?} {:x}", digest(&reason))),
            cert_cn,
            cert_fingerprint,
            request: RequestFacts {
                method: "TLS".to_owned(),
                path: "(handshake)".to_owned(),
                ..RequestFacts::default()
            },
            decision: "refused".to_owned(),
            decided_by: DecidedBy::MtlsHandshake.as_str().to_owned(),
            reason,
            checks: String::new(),
            status: 0,
            repeats: 1,
            last_at: None,
        }
    }

    /// The audit log's own doing (a trim): no request, nothing to collapse.
    pub fn housekeeping(reason: String) -> Self {
        Self {
            request: RequestFacts {
                method: "AUDIT".to_owned(),
                path: "(housekeeping)".to_owned(),
                ..RequestFacts::default()
            },
            decision: "allowed".to_owned(),
            decided_by: DecidedBy::Bank.as_str().to_owned(),
            source: None,
            ..Self::handshake(None, reason)
        }
    }

    /// When it last came, if it repeated.
    pub fn last_when(&self) -> Option<String> {
        self.last_at.filter(|_| self.repeats > 1).map(clock::display)
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

/// A short digest of a reason, for a source key: two refusals for different reasons are two rows.
fn digest(reason: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    reason.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Check;

    fn post() -> RequestFacts {
        RequestFacts { method: "POST".into(), path: "/transfer".into(), ..RequestFacts::default() }
    }

    #[test]
    fn a_protections_refusal_decides_with_the_checks_before_it() {
        let mut trail = Trail::default();
        trail.note(Check::passed(DecidedBy::OriginCheck, "Origin https://localhost:8443 is allowed"));
        let answer =
            Answer { status: 403, error: Some((DecidedBy::CsrfToken, "no token".into())), outcome: None };
        let event = AuditEvent::of_request(post(), Who::default(), trail, answer);
        assert_eq!((event.decision.as_str(), event.decided_by.as_str()), ("refused", "csrf-token"));
        assert_eq!(
            event.checks,
            "origin-check passed: Origin https://localhost:8443 is allowed\ncsrf-token refused"
        );
    }

    #[test]
    fn an_identity_refusal_decides_when_the_request_ended_for_want_of_it() {
        let mut trail = Trail::default();
        trail.note(Check::refused(DecidedBy::TrustedProxies, "header from 127.0.0.1 removed"));
        trail.claimed = Some(CertSeen { cn: Some("alice".into()), fingerprint: "AB".into() });
        let answer =
            Answer { status: 401, error: Some((DecidedBy::Identity, "not signed in".into())), outcome: None };
        let event = AuditEvent::of_request(post(), Who::default(), trail, answer);
        assert_eq!(
            (event.decided_by.as_str(), event.reason.as_str()),
            ("trusted-proxies", "header from 127.0.0.1 removed")
        );
        assert_eq!(event.cert_cn.as_deref(), Some("alice"), "the certificate the header claimed");
        assert_eq!(event.checks, "trusted-proxies refused\nidentity refused");
    }

    #[test]
    fn a_request_that_went_on_without_the_identity_is_decided_by_its_end() {
        let refused_identity = || {
            let mut trail = Trail::default();
            trail.note(Check::refused(DecidedBy::CertBinding, "the certificate is not bound to alice"));
            trail
        };
        // Stopped by a protection: the protection decides.
        let answer =
            Answer { status: 403, error: Some((DecidedBy::OriginCheck, "foreign".into())), outcome: None };
        let event = AuditEvent::of_request(post(), Who::default(), refused_identity(), answer);
        assert_eq!((event.decision.as_str(), event.decided_by.as_str()), ("refused", "origin-check"));
        assert!(
            event.reason.starts_with("foreign; on the way, cert-binding refused an identity"),
            "{}",
            event.reason
        );
        // Served (a password sign-in beside an unbound certificate): allowed, and the refusal told.
        let answer =
            Answer { status: 303, error: None, outcome: Some(Outcome::SignedIn { user: "alice".into() }) };
        let event = AuditEvent::of_request(post(), Who::default(), refused_identity(), answer);
        assert_eq!((event.decision.as_str(), event.decided_by.as_str()), ("allowed", "bank"));
        assert!(event.reason.starts_with("signed in alice by password"), "{}", event.reason);
        assert!(event.reason.contains("cert-binding refused an identity"), "{}", event.reason);
        assert!(event.checks.contains("cert-binding refused"), "{}", event.checks);
    }

    #[test]
    fn an_allowed_request_says_what_the_bank_did_and_what_observers_remarked() {
        let mut trail = Trail::default();
        trail.remarks.push("the lab detected an attack".into());
        let outcome = Outcome::SignedOut;
        let answer = Answer { status: 303, error: None, outcome: Some(outcome) };
        let event = AuditEvent::of_request(post(), Who::default(), trail, answer);
        assert_eq!((event.decision.as_str(), event.decided_by.as_str()), ("allowed", "bank"));
        assert_eq!(event.reason, "session ended; the lab detected an attack");
    }
}
