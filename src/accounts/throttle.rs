//! Sign-in throttling, in memory: after [`FREE`] consecutive failed attempts for one username
//! from one address (or [`FREE_PER_ADDRESS`] from one address across usernames, against
//! spraying), each further attempt waits 1 s, 2 s, 4 s ... at most [`CAP`] before its password is
//! even checked. The key is username + address, so a stranger elsewhere cannot hold alice out, and
//! the cap bounds what a stranger at her own address can do. A success resets its pair; a quiet
//! [`IDLE`] forgets an entry; each table holds at most [`MAX_ENTRIES`].

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures for one username from one address before the back-off starts.
pub const FREE: u32 = 5;
/// Failures from one address, any usernames, before the back-off starts.
pub const FREE_PER_ADDRESS: u32 = 20;
/// The longest wait.
pub const CAP: Duration = Duration::from_secs(60);
/// An entry with no attempt for this long is forgotten.
pub const IDLE: Duration = Duration::from_secs(15 * 60);
/// Entries per table; beyond, the idle and then the oldest are dropped.
pub const MAX_ENTRIES: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// How long until the next attempt may be checked (zero: now).
    fn wait(&self, free: u32, now: Instant) -> Duration {
        if self.count < free || now.duration_since(self.last) >= IDLE {
            return Duration::ZERO;
        }
        let backoff = Duration::from_secs(1u64 << (self.count - free).min(6)).min(CAP);
        (self.last + backoff).saturating_duration_since(now)
    }
}

/// One table of failures, bounded in size.
#[derive(Debug)]
struct Table<K>(HashMap<K, Failures>);

impl<K: Hash + Eq + Clone> Table<K> {
    fn wait(&self, key: &K, free: u32, now: Instant) -> Duration {
        self.0.get(key).map_or(Duration::ZERO, |f| f.wait(free, now))
    }

    fn count(&mut self, key: &K, now: Instant) {
        if !self.0.contains_key(key) && self.0.len() >= MAX_ENTRIES {
            self.0.retain(|_, f| now.duration_since(f.last) < IDLE);
            if self.0.len() >= MAX_ENTRIES
                && let Some(oldest) = self.0.iter().min_by_key(|(_, f)| f.last).map(|(k, _)| k.clone())
            {
                self.0.remove(&oldest);
            }
        }
        let entry = self.0.entry(key.clone()).or_insert(Failures { count: 0, last: now });
        if now.duration_since(entry.last) >= IDLE {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
    }
}

/// The failures per (username, address), and per address.
type Tables = (Table<(String, IpAddr)>, Table<IpAddr>);

/// The failures seen, per username and address, and per address.
#[derive(Debug)]
pub struct SignInThrottle {
    tables: Mutex<Tables>,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self { tables: Mutex::new((Table(HashMap::new()), Table(HashMap::new()))) }
    }
}

impl SignInThrottle {
    /// Admits an attempt now, counting it as a failure until [`Self::succeeded`] says otherwise
    /// (so parallel guesses cannot all slip in before the first is answered); or the time to wait.
    pub fn admit(&self, username: &str, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        let (pairs, addresses) = &mut *tables;
        let pair = (username.to_owned(), address);
        let wait = pairs.wait(&pair, FREE, now).max(addresses.wait(&address, FREE_PER_ADDRESS, now));
        if !wait.is_zero() {
            return Err(wait);
        }
        pairs.count(&pair, now);
        addresses.count(&address, now);
        Ok(())
    }

    /// The attempt admitted last for this pair signed in: its failures are forgotten, and the
    /// address no longer counts this one.
    pub fn succeeded(&self, username: &str, address: IpAddr) {
        let mut tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        let (pairs, addresses) = &mut *tables;
        pairs.0.remove(&(username.to_owned(), address));
        if let Some(f) = addresses.0.get_mut(&address) {
            f.count = f.count.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));

    fn fail(throttle: &SignInThrottle, user: &str, at: IpAddr, now: Instant, times: u32) {
        for _ in 0..times {
            throttle.admit(user, at, now).expect("admitted");
        }
    }

    #[test]
    fn five_failures_then_an_exponential_wait_capped_and_reset_on_success() {
        let (throttle, t0) = (SignInThrottle::default(), Instant::now());
        fail(&throttle, "alice", HOME, t0, FREE);
        assert_eq!(throttle.admit("alice", HOME, t0), Err(Duration::from_secs(1)));
        let t1 = t0 + Duration::from_secs(1);
        fail(&throttle, "alice", HOME, t1, 1);
        assert_eq!(throttle.admit("alice", HOME, t1), Err(Duration::from_secs(2)));
        let mut now = t1;
        for _ in 0..10 {
            now += CAP;
            fail(&throttle, "alice", HOME, now, 1);
        }
        assert_eq!(throttle.admit("alice", HOME, now), Err(CAP), "never longer than the cap");
        now += CAP;
        fail(&throttle, "alice", HOME, now, 1);
        assert!(throttle.admit("alice", HOME, now).is_err());
        throttle.succeeded("alice", HOME);
        assert_eq!(throttle.admit("alice", HOME, now), Ok(()), "the success reset the pair");
    }

    #[test]
    fn a_stranger_elsewhere_does_not_hold_alice_out() {
        let (throttle, t0) = (SignInThrottle::default(), Instant::now());
        fail(&throttle, "alice", AWAY, t0, FREE);
        assert!(throttle.admit("alice", AWAY, t0).is_err());
        assert_eq!(throttle.admit("alice", HOME, t0), Ok(()));
        assert_eq!(throttle.admit("bob", AWAY, t0), Ok(()), "another user from that address");
    }

    #[test]
    fn spraying_many_usernames_from_one_address_is_throttled_too() {
        let (throttle, t0) = (SignInThrottle::default(), Instant::now());
        for i in 0..FREE_PER_ADDRESS {
            fail(&throttle, &format!("user{i}"), AWAY, t0, 1);
        }
        assert_eq!(throttle.admit("fresh", AWAY, t0), Err(Duration::from_secs(1)));
        assert_eq!(throttle.admit("fresh", HOME, t0), Ok(()));
    }

    #[test]
    fn idle_entries_are_forgotten_and_the_tables_stay_bounded() {
        let (throttle, t0) = (SignInThrottle::default(), Instant::now());
        fail(&throttle, "alice", HOME, t0, FREE);
        assert_eq!(throttle.admit("alice", HOME, t0 + IDLE), Ok(()));
        for i in 0..(MAX_ENTRIES as u32 + 100) {
            let at = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            fail(&throttle, "alice", at, t0 + Duration::from_millis(u64::from(i)), 1);
        }
        let tables = throttle.tables.lock().unwrap();
        assert!(tables.0.0.len() <= MAX_ENTRIES && tables.1.0.len() <= MAX_ENTRIES);
    }
}
