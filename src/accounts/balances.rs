//! Balances as the bank's pages show them ("Balance before: 1000.00"), read from the database at
//! most once a second per user while nothing changes them. A transfer reads the balances it left
//! in its own transaction and hands them over ([`Balances::moved`]), in the order transfers
//! commit; a reset makes the bank forget them all ([`Balances::changed`]). So its own pages are
//! never behind; a change made by another process (`clickjack-lab reset` while the lab runs) shows
//! within [`FRESH`]. A transfer itself always reads and changes the balances inside its one SQL
//! transaction.

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
    /// Bumped by resets only: balances a transfer read back are stale if one came since it began.
    resets: AtomicU64,
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
        // Kept under the count seen before the read: a change during it makes it stale at once,
        // and a balance a transfer handed over meanwhile is newer than this one.
        if read.get(&user).is_none_or(|(_, seen, _)| *seen <= changes) {
            read.insert(user, (balance, changes, Instant::now()));
        }
        Ok(balance)
    }

    /// Where the resets stand: taken before a transfer begins, for [`Self::moved`].
    pub fn epoch(&self) -> u64 {
        self.resets.load(Ordering::Acquire)
    }

    /// A transfer that began at `epoch` moved money and read back the balances it left (`fresh`,
    /// in its transaction). Called in the order transfers commit; other balances are read again.
    pub fn moved(&self, epoch: u64, fresh: impl IntoIterator<Item = (Uuid, Money)>) {
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        let changes = self.changes.fetch_add(1, Ordering::AcqRel) + 1;
        // A reset since the transfer began: what it read may be from before the reset.
        if self.resets.load(Ordering::Acquire) != epoch {
            return;
        }
        if read.len() >= KEPT {
            read.clear();
        }
        for (user, balance) in fresh {
            read.insert(user, (balance, changes, Instant::now()));
        }
    }

    /// The balances were reset: every page reads them again.
    pub fn changed(&self) {
        self.resets.fetch_add(1, Ordering::AcqRel);
        self.changes.fetch_add(1, Ordering::AcqRel);
    }
}
