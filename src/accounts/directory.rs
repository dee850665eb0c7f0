//! The users, by name, as the bank has found them: a page that names a user (the certificate's
//! CN, a transfer's recipient) looks them up in memory after the first time. Users are made when
//! the database is seeded and never removed while the lab runs, so a name found stays found; a
//! name not found is looked up again every time (it may be a typo now and a user never).

use std::collections::HashMap;
use std::sync::RwLock;

use sqlx::SqlitePool;

use super::{User, repo};

/// Names remembered at most (the seeded users are three; this only bounds a misuse).
const KEPT: usize = 1024;

#[derive(Default)]
pub struct Directory(RwLock<HashMap<String, User>>);

impl Directory {
    /// The user called `name`, if there is one.
    pub async fn find(&self, pool: &SqlitePool, name: &str) -> sqlx::Result<Option<User>> {
        if let Some(user) = self.0.read().unwrap_or_else(|e| e.into_inner()).get(name) {
            return Ok(Some(user.clone()));
        }
        let found = repo::find(pool, name).await?;
        if let Some(user) = &found {
            let mut users = self.0.write().unwrap_or_else(|e| e.into_inner());
            if users.len() >= KEPT {
                users.clear();
            }
            users.insert(name.to_owned(), user.clone());
        }
        Ok(found)
    }
}
