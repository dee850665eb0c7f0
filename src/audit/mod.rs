//! What the server saw for each state-changing request, allowed or refused, and for every
//! refused identity.
//!
//! The audit page is how a trainee sees the bank's side of an attack: which headers arrived
//! (Origin, Referer, Sec-Fetch-*), which identity (certificate CN and fingerprint, user), and
//! which protection decided, and why. Plain data, no HTTP: the parts of the bank that decide
//! (the TLS verifier, the proxy's header check, the identity, each protection) note a typed
//! [`Check`] on the request's [`Trail`]; handlers say what they did with an [`Outcome`]; one
//! [`Recorder`] writes the rows.

pub mod capped;
mod commits;
mod decision;
mod event;
mod outcome;
mod recorder;
mod row;
mod store;

pub use decision::{CertSeen, Check, DecidedBy, Said, Trail};
pub use event::{Answer, AuditEvent, RequestFacts, Who};
pub use outcome::Outcome;
pub use recorder::Recorder;
pub use store::{Change, Filter, ReadBack, Show, recent};

/// `LAB_AUDIT_MAX_ROWS`: how many rows the audit log keeps before it trims the oldest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditSettings {
    pub max_rows: u64,
}
