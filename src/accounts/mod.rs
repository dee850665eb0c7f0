//! Users and their accounts: usernames, balances, (in [`password`]) argon2id hashes and (in
//! [`bindings`]) the certificates bound to each user.

pub mod balances;
pub mod bindings;
pub mod directory;
pub mod password;
pub mod repo;
pub mod throttle;

use std::fmt;

use uuid::Uuid;

/// A username: also the subject CN of the user's client certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("enter a username")]
    Empty,
    #[error("a username has 1 to 32 characters: lowercase letters, digits, '-' or '_'")]
    Invalid,
}

impl Username {
    pub fn parse(text: &str) -> Result<Self, UsernameError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(UsernameError::Empty);
        }
        let valid = text.len() <= 32
            && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !valid {
            return Err(UsernameError::Invalid);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user of the bank, as the handlers see one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub username: Username,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" alice ").unwrap().as_str(), "alice");
        assert_eq!(Username::parse(""), Err(UsernameError::Empty));
        for bad in ["Alice", "a b", "a'--", &"a".repeat(33), "<b>"] {
            assert_eq!(Username::parse(bad), Err(UsernameError::Invalid), "{bad}");
        }
    }
}
