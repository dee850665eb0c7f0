//! Balances as the bank's pages show them ("Balance before: 1000.00"), read from the database at
//! most once a second per user while nothing changes them. The bank forgets them all whenever it
//! moves money or resets ([`Balances::changed`]), so its own pages are never behind; a change made
//! by another process (`clickjack-lab reset` while the lab runs) shows within [`FRESH`]. A
//! transfer itself always reads and changes the balances inside its one SQL transaction.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::SqlitePool;
use uuid::Uuid;

use super::repo;
use crate::money::Money;

/// How long a balance read is shown without reading it again.
pub const FRESH: Duration = Duration::from_secs(1);
/// Users remembered at most (the seeded users are three; this only bounds a misuse).
const KEPT: usize = 1024;

#[derive(Default)]
pub struct Balances {
    read: Mutex<HashMap<Uuid, (Money, u64, Instant)>>,
    /// Bumped by every change the bank makes: a balance read before it is stale.
    changes: AtomicU64,
}

impl Balances {
    /// `user`'s balance, as of at most [`FRESH`] ago and after the bank's last change.
    pub async fn of(&self, pool: &SqlitePool, user: Uuid) -> sqlx::Result<Money> {
        let changes = self.changes.load(Ordering::Acquire);
        let known = self.read.lock().unwrap_or_else(|e| e.into_inner()).get(&user).copied();
        if let Some((balance, seen, at)) = known
            && seen == changes
            && at.elapsed() < FRESH
        {
            return Ok(balance);
        }
        let balance = repo::balance(pool, user).await?;
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        if read.len() >= KEPT {
            read.clear();
        }
        // Kept under the count seen before the read: a change during it makes it stale at once.
        read.insert(user, (balance, changes, Instant::now()));
        Ok(balance)
    }

    /// The bank moved money or reset the balances: every page reads them again.
    pub fn changed(&self) {
        self.changes.fetch_add(1, Ordering::AcqRel);
    }
}
