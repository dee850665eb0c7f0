//! Transfers: the draft a person fills in, its validation, and (in [`repo`]) its execution.
//! Plain Rust and SQL: no HTTP, and nothing of the lab that watches them.
//!
//! Validation lives here, with no HTTP and no SQL, so every rule is unit-tested; the checks that
//! need the database (the recipient exists, the balance covers the amount) are in [`repo`].

pub mod repo;
pub mod request_id;
pub mod steps;

use crate::accounts::{Username, UsernameError};
use crate::money::{Money, MoneyError};

/// The bank's rules for one transfer (`LAB_TRANSFER_CAP`, `LAB_CONFIRM_ABOVE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest single transfer.
    pub cap: Money,
    /// Transfers above this need a second confirmation step.
    pub confirm_above: Money,
}

/// Longest memo, in characters.
pub const MEMO_MAX_CHARS: usize = 140;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error("Amount: {0}.")]
    Amount(#[from] MoneyError),
    #[error("Amount: a transfer must move more than 0.00.")]
    Zero,
    #[error("Amount: {amount} is above the per-transfer cap of {cap} (LAB_TRANSFER_CAP).")]
    OverCap { amount: Money, cap: Money },
    #[error("Memo: at most {MEMO_MAX_CHARS} characters; this one has {0}.")]
    MemoTooLong(usize),
    #[error("Memo: one line of text, without line breaks or other control characters.")]
    MemoControl,
    #[error("Recipient: {0}.")]
    Recipient(#[from] UsernameError),
    #[error("Recipient: there is no user \"{0}\" at this bank.")]
    UnknownRecipient(String),
    #[error("Recipient: you cannot send money to yourself.")]
    ToSelf,
    #[error("Your balance of {balance} does not cover {amount}; nothing was moved.")]
    InsufficientFunds { balance: Money, amount: Money },
    #[error("This confirmation form was already used by someone else; open a fresh one.")]
    RequestIdTaken,
    #[error("This confirmation form was made for another account; open a fresh one.")]
    RequestIdForeign,
}

/// Why a transfer did not execute: the bank's rules, or the database.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    #[error(transparent)]
    Refused(#[from] TransferError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl TransferError {
    /// True when the input was well-formed but the bank's state does not allow the transfer.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::InsufficientFunds { .. })
    }
}

/// A memo as typed: stored verbatim, escaped when rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memo(String);

impl Memo {
    pub fn parse(text: &str) -> Result<Self, TransferError> {
        let chars = text.chars().count();
        if chars > MEMO_MAX_CHARS {
            return Err(TransferError::MemoTooLong(chars));
        }
        // A browser rewrites line breaks in a resubmitted form (LF to CRLF): a memo with control
        // characters would not reach the bank as it was confirmed.
        if text.chars().any(char::is_control) {
            return Err(TransferError::MemoControl);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A transfer as requested, checked for everything that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferDraft {
    pub to: Username,
    pub amount: Money,
    pub memo: Memo,
}

impl TransferDraft {
    pub fn parse(
        from: &Username,
        to: &str,
        amount: &str,
        memo: &str,
        cap: Money,
    ) -> Result<Self, TransferError> {
        let to = Username::parse(to)?;
        if &to == from {
            return Err(TransferError::ToSelf);
        }
        let amount = Money::parse(amount)?;
        if amount.cents() == 0 {
            return Err(TransferError::Zero);
        }
        if amount > cap {
            return Err(TransferError::OverCap { amount, cap });
        }
        Ok(Self { to, amount, memo: Memo::parse(memo)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(to: &str, amount: &str, memo: &str) -> Result<TransferDraft, TransferError> {
        let alice = Username::parse("alice").unwrap();
        TransferDraft::parse(&alice, to, amount, memo, Money::from_cents(250_000))
    }

    #[test]
    fn accepts_a_plain_transfer() {
        let d = draft("bob", "12.50", "lunch").unwrap();
        assert_eq!((d.to.as_str(), d.amount.cents(), d.memo.as_str()), ("bob", 1250, "lunch"));
    }

    #[test]
    fn refuses_bad_amounts() {
        assert_eq!(draft("bob", "0", ""), Err(TransferError::Zero));
        assert_eq!(draft("bob", "-1", ""), Err(TransferError::Amount(MoneyError::Negative)));
        assert!(matches!(draft("bob", "1.005", ""), Err(TransferError::Amount(MoneyError::TooPrecise(_)))));
        assert!(matches!(draft("bob", "1e30", ""), Err(TransferError::Amount(MoneyError::NotDecimal(_)))));
        assert!(matches!(draft("bob", "2500.01", ""), Err(TransferError::OverCap { .. })));
        assert!(draft("bob", "2500.00", "").is_ok());
    }

    #[test]
    fn refuses_bad_recipients_and_memos() {
        assert_eq!(draft("alice", "1", ""), Err(TransferError::ToSelf));
        assert!(matches!(draft("", "1", ""), Err(TransferError::Recipient(_))));
        assert!(matches!(draft("bob'; DROP TABLE users;--", "1", ""), Err(TransferError::Recipient(_))));
        assert_eq!(draft("bob", "1", &"é".repeat(141)), Err(TransferError::MemoTooLong(141)));
        assert_eq!(draft("bob", "1", "two\nlines"), Err(TransferError::MemoControl));
        let html = "<script>alert(1)</script>'; DROP TABLE transfers;--";
        assert_eq!(draft("bob", "1", html).unwrap().memo.as_str(), html);
    }
}
