//! Password hashing with argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
//!
//! Hashing is deliberately slow (about 28 ms of CPU), so it runs on one thread of its own, one check
//! after another: however many sign-ins arrive, hashing takes at most one core and the pages keep
//! the rest. The thread runs at the pages' priority: measured under a saturating page load, a lower
//! one (nice 10) cut sign-ins to 9 a second and did not lower the page's p99 (README, Performance).
//! An unknown username is checked against a dummy hash so that it takes as long as a wrong password.

use std::sync::LazyLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) with a fresh random salt.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    Ok(argon2().hash_password(password.as_bytes())?.to_string())
}

static DUMMY: LazyLock<String> = LazyLock::new(|| hash("no user has this password").expect("hashing works"));

/// A password check waiting for the hashing thread.
struct Check {
    stored: Option<String>,
    password: String,
    answer: tokio::sync::oneshot::Sender<bool>,
}

/// Checks waiting at most; beyond, a sign-in is refused as a wrong password would be (and logged).
const WAITING: usize = 256;

static HASHER: LazyLock<Option<std::sync::mpsc::SyncSender<Check>>> = LazyLock::new(|| {
    let (checks, waiting) = std::sync::mpsc::sync_channel::<Check>(WAITING);
    let started = std::thread::Builder::new().name("password-hasher".into()).spawn(move || {
        for check in waiting {
            let _ = check.answer.send(matches(check.stored, &check.password));
        }
    });
    match started {
        Ok(_) => Some(checks),
        Err(e) => {
            tracing::error!("cannot start the password hashing thread: {e}");
            None
        }
    }
});

fn matches(stored: Option<String>, password: &str) -> bool {
    let known = stored.is_some();
    let phc = stored.unwrap_or_else(|| DUMMY.clone());
    let matches = PasswordHash::new(&phc)
        .map(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false);
    known && matches
}

/// Verifies `password` against `stored` (or against a dummy hash when there is no such user).
pub async fn verify(stored: Option<String>, password: String) -> bool {
    let (answer, answered) = tokio::sync::oneshot::channel();
    let Some(hasher) = HASHER.as_ref() else { return false };
    if hasher.try_send(Check { stored, password, answer }).is_err() {
        tracing::warn!("{WAITING} password checks are already waiting: a sign-in was refused");
        return false;
    }
    answered.await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id() {
        let phc = hash("alice-pass").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify(Some(phc.clone()), "alice-pass".into()).await);
        assert!(!verify(Some(phc), "wrong".into()).await);
        assert!(!verify(None, "no user has this password".into()).await);
    }
}
