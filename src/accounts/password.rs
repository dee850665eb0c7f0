//! Password hashing with argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
//!
//! Hashing is deliberately slow (about 28 ms of CPU), so it runs on one thread of its own, one check
//! after another: however many sign-ins arrive, hashing takes at most one core and the pages keep
//! the rest. The thread runs at the pages' priority: measured under a saturating page load, a lower
//! one (nice 10) cut sign-ins to 9 a second and did not lower the page's p99 (README, Performance).
//! An unknown username is checked against a dummy hash so that it takes as long as a wrong password.

use std::sync::LazyLock;

use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};

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
        let mut memory = Vec::new();
        for check in waiting {
            let _ = check.answer.send(matches(&mut memory, check.stored, &check.password));
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

/// Whether `password` is the one `stored` was made from (a dummy hash stands in for no user, so the
/// check takes as long). `memory` is the thread's argon2 working memory, kept from one check to
/// the next: made afresh each time, its 19 MiB cost about 4,900 page faults and an unmapping per
/// check (measured with perf: 96,000 faults/s at 20 sign-ins/s), which stalled the page threads
/// beside it.
fn matches(memory: &mut Vec<Block>, stored: Option<String>, password: &str) -> bool {
    let known = stored.is_some();
    let phc = stored.unwrap_or_else(|| DUMMY.clone());
    let matches = PasswordHash::new(&phc).is_ok_and(|parsed| verify_in(memory, &parsed, password));
    known && matches
}

/// argon2's own check of `password` against `hash`, in `memory` (grown to what `hash` needs).
fn verify_in(memory: &mut Vec<Block>, hash: &PasswordHash, password: &str) -> bool {
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(hash.algorithm.as_str()), Params::try_from(hash))
    else {
        return false;
    };
    let Ok(version) = hash.version.map_or(Ok(Version::V0x13), Version::try_from) else { return false };
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let mut computed = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), &mut computed, &mut memory[..])
        .is_ok_and(|()| crate::crypto::constant_time_eq(&computed, expected.as_ref()))
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

    #[test]
    fn memory_kept_between_checks_gives_argon2s_own_answers() {
        let mut memory = Vec::new();
        let small = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(1024, 1, 1, None).unwrap());
        let older = small.hash_password(b"bob-pass").unwrap().to_string();
        for (phc, password, expected) in
            [(hash("alice-pass").unwrap(), "alice-pass", true), (older.clone(), "bob-pass", true)]
        {
            assert_eq!(matches(&mut memory, Some(phc.clone()), password), expected, "{phc}");
            assert!(!matches(&mut memory, Some(phc), "wrong"), "a wrong password, after the right one");
        }
        assert_eq!(memory.len(), Params::new(19 * 1024, 2, 1, None).unwrap().block_count(), "grown once");
        assert!(!matches(&mut memory, None, "no user has this password"), "the dummy signs no one in");
        assert!(!matches(&mut memory, Some("$argon2id$v=19$m=19456,t=2,p=1$garbage".into()), "x"));
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x10, Params::new(1024, 1, 1, None).unwrap());
        let other = argon2i.hash_password(b"pw").unwrap().to_string();
        assert!(matches(&mut memory, Some(other.clone()), "pw") && !matches(&mut memory, Some(other), "pX"));
    }
}
