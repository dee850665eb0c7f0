//! The certificate allowlist: which certificates (by SHA-256 fingerprint) sign in which user.
//!
//! With `LAB_CERT_BINDING=fingerprint` (the default) a valid certificate from the lab CA is not
//! enough: its fingerprint must be bound to the user its CN names. A CA that signs a second
//! "alice" (a new laptop, a mistake, an insider) does not hand out alice's account until
//! someone binds it. With `cn` the CN alone decides, as many deployments do.

use sqlx::SqlitePool;
use uuid::Uuid;

use super::{User, repo};
use crate::clock;
use crate::pki::{CertInfo, Pki, PkiError};

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// A bound certificate, as listed by `clickjack-lab certs list`.
#[derive(Debug, Clone)]
pub struct Binding {
    pub username: String,
    pub fingerprint: String,
    pub serial: String,
    pub not_after: i64,
    pub bound_at: i64,
    pub bound_by: String,
}

crate::from_row!(Binding { username, fingerprint, serial, not_after, bound_at, bound_by });

/// Binds `cert` to `user` (again, if it already is: the note is updated).
pub async fn bind(pool: &SqlitePool, user: &User, cert: &CertInfo, by: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO cert_bindings (fingerprint, user_id, serial, not_after, bound_at, bound_by) \
         VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (fingerprint) DO UPDATE SET user_id = excluded.user_id, bound_at = excluded.bound_at, \
         bound_by = excluded.bound_by",
    )
    .bind(&cert.fingerprint)
    .bind(user.id)
    .bind(cert.serial.to_string())
    .bind(cert.not_after.unix_timestamp() * 1000)
    .bind(clock::now_ms())
    .bind(by)
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether the certificate with `fingerprint` is bound to `user_id`.
pub async fn is_bound(pool: &SqlitePool, user_id: Uuid, fingerprint: &str) -> sqlx::Result<bool> {
    let found: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM cert_bindings WHERE fingerprint = ? AND user_id = ?")
            .bind(fingerprint)
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(found.is_some())
}

/// How many certificates are bound to `user_id`.
pub async fn count(pool: &SqlitePool, user_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM cert_bindings WHERE user_id = ?")
        .bind(user_id)
        .fetch_one(pool)
        .await
}

/// Every binding, by user and then newest first.
pub async fn list(pool: &SqlitePool) -> sqlx::Result<Vec<Binding>> {
    sqlx::query_as(
        "SELECT u.username, b.fingerprint, b.serial, b.not_after, b.bound_at, b.bound_by \
         FROM cert_bindings b JOIN users u ON u.id = b.user_id ORDER BY u.username, b.bound_at DESC",
    )
    .fetch_all(pool)
    .await
}

/// Binds the certificates the lab's provisioning issued to its seeded users: those (re)issued
/// now, and, for a user with no binding at all (a new database), the current one if the
/// provisioning issued it. A certificate from `clickjack-lab certs issue` is left for `certs bind`.
pub async fn bind_provisioned(
    pool: &SqlitePool,
    pki: &Pki,
    users: &[&str],
    issued: &[String],
) -> Result<(), BindError> {
    for name in users {
        let Some(user) = repo::find(pool, name).await? else { continue };
        let fresh = issued.iter().any(|i| i == name);
        if !fresh && count(pool, user.id).await? > 0 {
            continue;
        }
        let cert = CertInfo::from_pem_file(&pki.user_file(name, "crt"))?;
        if !pki.provisioned(name, &cert.fingerprint) {
            tracing::warn!(
                "{name}'s certificate {} came from `certs issue`, not the lab's provisioning: bind it with \
                 `clickjack-lab certs bind {name}`",
                pki.user_file(name, "crt").display()
            );
            continue;
        }
        bind(pool, &user, &cert, if fresh { "issued at start" } else { "first start" }).await?;
    }
    Ok(())
}
