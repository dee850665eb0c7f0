//! What a handler did with a request it served: the row's reason, and what observers of the bank
//! (the lab) learn from it.

use uuid::Uuid;

use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A confirmation page was rendered for this request id (a page view: not audited).
    ConfirmationShown {
        request_id: Uuid,
        /// Who it was shown to, and how they were signed in (`certificate`, `password`).
        user: String,
        by: &'static str,
    },
    /// The money moved.
    Transferred {
        id: Uuid,
        request_id: Uuid,
        from: String,
        to: String,
        amount: Money,
    },
    /// The request id had already executed: nothing moved.
    Repeated {
        id: Uuid,
    },
    /// A large transfer asked "Are you sure?".
    AskedAgain {
        amount: Money,
        threshold: Money,
    },
    SignedIn {
        user: String,
    },
    SignInRefused {
        why: String,
    },
    SignedOut,
    /// A sign-out with no session: a certificate sign-in ends when the browser stops presenting it.
    NothingToSignOut,
    /// The seeded balances are back; transfers and the audit log are gone.
    Reset,
    /// The protections panel switched protections (`FLAG was -> is` for each that changed).
    ProtectionsSwitched {
        changes: Vec<String>,
    },
    /// A browser's CSP violation report, summarised.
    CspReport {
        summary: String,
    },
}

impl Outcome {
    /// The audit row's reason, for what is audited.
    pub fn describe(&self) -> Option<String> {
        Some(match self {
            Self::ConfirmationShown { .. } => return None,
            Self::Transferred { id, from, to, amount, .. } => {
                format!("moved {amount} from {from} to {to} (transfer {id})")
            }
            Self::Repeated { id } => {
                format!("repeat of transfer {id}: this form was already used, nothing moved")
            }
            Self::AskedAgain { amount, threshold } => {
                format!("{amount} is above LAB_CONFIRM_ABOVE ({threshold}): asked to confirm again")
            }
            Self::SignedIn { user } => format!("signed in {user} by password; new session started"),
            Self::SignInRefused { why } => why.clone(),
            Self::SignedOut => "session ended".to_owned(),
            Self::NothingToSignOut => {
                "no session to end (a certificate sign-in ends when the browser stops presenting it)"
                    .to_owned()
            }
            Self::Reset => {
                "the lab was reset: seeded balances restored, transfers and audit log cleared".to_owned()
            }
            Self::CspReport { summary } => summary.clone(),
            Self::ProtectionsSwitched { changes } if changes.is_empty() => {
                "the protections panel was sent the protections already in force: nothing changed".to_owned()
            }
            Self::ProtectionsSwitched { changes } => {
                format!("the protections panel switched {} for everyone", changes.join(", "))
            }
        })
    }
}
