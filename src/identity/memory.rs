//! What the bank remembers of each client certificate it has checked, so the requests of a
//! connection (and of the next connections with the same certificate) cost no database lookup
//! and no signature check:
//!
//! - the re-check of the certificate against the CA and the CRL, per certificate and per CRL
//!   load: a reloaded CRL (`certs revoke`) makes every certificate be checked again on its next
//!   request, so a revocation holds from the next request on, as before;
//! - the user a certificate signs in (its CN's user, bound to it when `LAB_CERT_BINDING` asks),
//!   only once found, per CRL load and for at most [`FRESH`]: a binding another process changes
//!   (`certs bind`) counts within that time; a refusal is never remembered.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::accounts::User;

/// How long a certificate's user is trusted without looking again.
pub const FRESH: Duration = Duration::from_secs(10);
/// Certificates remembered at most (a full memory starts again empty).
const KEPT: usize = 4096;

#[derive(Clone)]
struct Entry {
    /// The CRL load the entry was made under.
    generation: usize,
    /// The re-check's result: `Err(reason)` for a refused certificate.
    check: Option<Result<(), String>>,
    user: Option<(User, Instant)>,
}

/// The certificates checked, by SHA-256 fingerprint.
#[derive(Default)]
pub struct Memory(Mutex<HashMap<String, Entry>>);

impl Memory {
    fn with<T>(&self, fingerprint: &str, generation: usize, change: impl FnOnce(&mut Entry) -> T) -> T {
        let mut entries = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= KEPT && !entries.contains_key(fingerprint) {
            entries.clear();
        }
        let entry =
            entries.entry(fingerprint.to_owned()).or_insert(Entry { generation, check: None, user: None });
        if entry.generation != generation {
            *entry = Entry { generation, check: None, user: None };
        }
        change(entry)
    }

    /// The re-check of this certificate under this CRL load: remembered, or made by `check`.
    pub fn recheck(
        &self,
        fingerprint: &str,
        generation: usize,
        check: impl FnOnce() -> Result<(), String>,
    ) -> Result<(), String> {
        if let Some(known) = self.with(fingerprint, generation, |e| e.check.clone()) {
            return known;
        }
        let result = check();
        self.with(fingerprint, generation, |e| e.check = Some(result.clone()));
        result
    }

    /// The user this certificate signed in lately, under this CRL load.
    pub fn user(&self, fingerprint: &str, generation: usize) -> Option<User> {
        self.with(fingerprint, generation, |e| match &e.user {
            Some((user, at)) if at.elapsed() < FRESH => Some(user.clone()),
            _ => None,
        })
    }

    pub fn remember_user(&self, fingerprint: &str, generation: usize, user: &User) {
        self.with(fingerprint, generation, |e| e.user = Some((user.clone(), Instant::now())));
    }
}

#[cfg(test)]
mod tests {
    use super::Memory;
    use crate::accounts::{User, Username};

    #[test]
    fn a_new_crl_load_forgets_every_check_and_user() {
        let memory = Memory::default();
        let user = User { id: uuid::Uuid::nil(), username: Username::parse("alice").unwrap() };
        let mut checks = 0;
        for _ in 0..3 {
            assert_eq!(
                memory.recheck("AB", 1, || {
                    checks += 1;
                    Ok(())
                }),
                Ok(())
            );
        }
        assert_eq!(checks, 1, "checked once per CRL load");
        memory.remember_user("AB", 1, &user);
        assert_eq!(memory.user("AB", 1), Some(user.clone()));
        let revoked = memory.recheck("AB", 2, || Err("revoked".into()));
        assert_eq!(revoked, Err("revoked".into()), "the new CRL is consulted");
        assert_eq!(memory.user("AB", 2), None, "and the user looked up again");
    }
}
