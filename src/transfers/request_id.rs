//! Request ids that carry the user they were minted for, so one user's confirmation form cannot
//! be executed (or used up) by another. An id is a UUID (version 8, "custom"): 8 random bytes,
//! then 8 bytes of HMAC-SHA256(key, user id || the random bytes). Checking it needs the key and
//! nothing stored: minting writes nothing and no table grows with page views. The key is kept in
//! the database (`secrets`, row `request_id`), so forms rendered before a restart still execute.

use sqlx::SqlitePool;
use uuid::Uuid;

use super::TransferError;
use crate::{crypto, secrets};

/// The key request ids are minted under.
#[derive(Clone, Debug)]
pub struct RequestIds(secrets::Key);

impl RequestIds {
    /// The database's key, made on first use (at start-up, never on a page view).
    pub async fn load(pool: &SqlitePool) -> sqlx::Result<Self> {
        Ok(Self(secrets::Key::load(pool, "request_id").await?))
    }

    /// A key of its own, for tests.
    pub fn random() -> Self {
        Self(secrets::Key::random())
    }

    /// A fresh request id for a confirmation form shown to `user`.
    pub fn mint(&self, user: Uuid) -> Uuid {
        let mut random = [0u8; 8];
        crate::crypto::fill_random(&mut random);
        self.bound(user, random)
    }

    /// Refuses an id the bank minted for someone else, or one shaped like the bank's whose tag does
    /// not match. Other UUIDs pass: a form another site made (the CSRF scenario) carries one of its
    /// own, which can be nobody else's form, and executes once per sender (`repo::execute`).
    pub fn check(&self, user: Uuid, id: Uuid) -> Result<(), TransferError> {
        if id.get_version_num() != 8 {
            return Ok(());
        }
        let mut random = [0u8; 8];
        random.copy_from_slice(&id.as_bytes()[..8]);
        let expected = self.bound(user, random);
        if crypto::constant_time_eq(expected.as_bytes(), id.as_bytes()) {
            Ok(())
        } else {
            Err(TransferError::RequestIdForeign)
        }
    }

    /// The id whose first half is `random` (its version nibble set to 8) and whose second half is
    /// the tag binding it to `user` (its top two bits the RFC 9562 variant).
    fn bound(&self, user: Uuid, mut random: [u8; 8]) -> Uuid {
        random[6] = (random[6] & 0x0f) | 0x80;
        let tag = self.0.sign(&[user.as_bytes(), &random]);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&random);
        bytes[8..].copy_from_slice(&tag.as_ref()[..8]);
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Uuid::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_checks_for_its_user_only() {
        let (ids, alice, bob) = (RequestIds::random(), Uuid::new_v4(), Uuid::new_v4());
        let id = ids.mint(alice);
        assert_eq!((id.get_version_num(), id.get_variant()), (8, uuid::Variant::RFC4122));
        assert_ne!(ids.mint(alice), id, "fresh per rendering");
        assert_eq!(ids.check(alice, id), Ok(()));
        assert_eq!(ids.check(bob, id), Err(TransferError::RequestIdForeign));
        assert_eq!(
            RequestIds::random().check(alice, id),
            Err(TransferError::RequestIdForeign),
            "another key"
        );
    }

    #[test]
    fn a_forged_or_altered_id_is_refused() {
        let (ids, alice) = (RequestIds::random(), Uuid::new_v4());
        let mut altered = *ids.mint(alice).as_bytes();
        altered[15] ^= 1;
        assert!(ids.check(alice, Uuid::from_bytes(altered)).is_err());
        let forged = uuid::Builder::from_custom_bytes(*Uuid::new_v4().as_bytes()).into_uuid();
        assert!(ids.check(alice, forged).is_err());
        // An id the bank never minted (a form another site wrote) is no one else's form.
        assert_eq!(ids.check(alice, Uuid::new_v4()), Ok(()));
    }

    #[tokio::test]
    async fn the_key_survives_a_restart() {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query("CREATE TABLE secrets (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL)")
            .execute(&pool)
            .await
            .unwrap();
        let user = Uuid::new_v4();
        let id = RequestIds::load(&pool).await.unwrap().mint(user);
        assert_eq!(RequestIds::load(&pool).await.unwrap().check(user, id), Ok(()));
    }
}
