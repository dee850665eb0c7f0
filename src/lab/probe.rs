//! The start page's question to the bank: "what does my browser present?". The start page (on
//! the attacker site, reachable without a certificate) loads `/lab/probe.svg?nonce=…` from the
//! bank as an image. If the browser cannot complete the bank's handshake (the lab CA is not
//! trusted, or no certificate is presented where one is required) the image fails to load.
//! If it loads, this handler has noted what the bank saw under the page's nonce, and the start
//! page reads it from its own site ([`ProbeLog::take`]): the bank's answer itself is never
//! readable by another origin, and no CORS is opened on the bank. The route is in [`super::page`].

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::identity::{CertProblem, SignedInBy, Visitor};

/// Probes remembered, at most.
pub const CAPACITY: usize = 1_000;
/// How long a probe's finding waits for the start page.
pub const KEEP: Duration = Duration::from_secs(5 * 60);
/// A nonce is 16 to 64 characters of `[0-9a-zA-Z-]`.
const NONCE: std::ops::RangeInclusive<usize> = 16..=64;

/// What the bank saw on a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The presented certificate's subject CN (`""`: no CN), if one was presented.
    pub certificate: Option<String>,
    pub fingerprint: Option<String>,
    /// The user it signs in (by certificate or by an earlier password sign-in).
    pub user: Option<String>,
    pub signed_in_by: Option<&'static str>,
    /// Why the presented certificate signs no one in: `unknown-user`, `not-bound`, `refused`.
    pub problem: Option<&'static str>,
    /// The problem in words.
    pub detail: Option<String>,
}

impl Finding {
    pub fn of(visitor: &Visitor) -> Self {
        let (problem, detail) = match &visitor.cert_problem {
            None => (None, None),
            Some(CertProblem::UnknownUser) => (Some("unknown-user"), None),
            Some(CertProblem::NotBound { user }) => (Some("not-bound"), Some(user.clone())),
            Some(CertProblem::Refused(why) | CertProblem::Subject(why)) => {
                (Some("refused"), Some(why.clone()))
            }
        };
        Self {
            certificate: visitor.cert.as_ref().map(|c| c.common_name.clone().unwrap_or_default()),
            fingerprint: visitor.cert.as_ref().map(|c| c.fingerprint.clone()),
            user: visitor.user.as_ref().map(|(user, _)| user.username.as_str().to_owned()),
            signed_in_by: visitor.user.as_ref().map(|(_, by)| SignedInBy::as_str(*by)),
            problem,
            detail,
        }
    }
}

#[derive(Default)]
struct Log {
    by_nonce: HashMap<String, (Finding, Instant)>,
    order: VecDeque<String>,
}

/// The findings of the last minutes, waiting to be read once.
#[derive(Default)]
pub struct ProbeLog(Mutex<Log>);

impl ProbeLog {
    pub fn remember(&self, nonce: &str, finding: Finding) {
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        while log.order.len() >= CAPACITY
            || log.order.front().and_then(|n| log.by_nonce.get(n)).is_some_and(|(_, at)| at.elapsed() > KEEP)
        {
            let Some(oldest) = log.order.pop_front() else { break };
            log.by_nonce.remove(&oldest);
        }
        if log.by_nonce.insert(nonce.to_owned(), (finding, Instant::now())).is_none() {
            log.order.push_back(nonce.to_owned());
        }
    }

    /// The finding for `nonce`, if the bank saw that probe.
    pub fn get(&self, nonce: &str) -> Option<Finding> {
        let log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        log.by_nonce.get(nonce).filter(|(_, at)| at.elapsed() <= KEEP).map(|(f, _)| f.clone())
    }
}

/// Whether `nonce` is one the start page makes.
pub fn valid_nonce(nonce: &str) -> bool {
    NONCE.contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A transparent 1x1 image.
pub const PIXEL: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_short_plain_words_and_the_log_is_bounded() {
        assert!(valid_nonce("0123456789abcdef"));
        assert!(!valid_nonce("short"));
        assert!(!valid_nonce(&"a".repeat(65)));
        assert!(!valid_nonce("0123456789abcdef<script>"));
        let log = ProbeLog::default();
        let finding = Finding {
            certificate: None,
            fingerprint: None,
            user: None,
            signed_in_by: None,
            problem: None,
            detail: None,
        };
        log.remember("first-nonce-000000", finding.clone());
        for n in 0..CAPACITY {
            log.remember(&format!("nonce-{n:012}"), finding.clone());
        }
        assert_eq!(log.get("first-nonce-000000"), None, "the oldest went first");
        assert_eq!(log.get("nonce-000000000001"), Some(finding));
    }
}
