//! Signing secrets of each environment: the notification secret and the data secret. A rotation keeps
//! the previous secret signing alongside the new one until its `retired_at`.

use app::timestamp::Timestamp;
use app::vocab::{Environment, SecretPurpose};

use super::{Store, StoreError};

/// A secret that signs now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRecord {
    pub secret: String,
    pub created_at: Timestamp,
    /// `None` for the current secret; when the previous one stops signing, for a rotated one.
    pub retired_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct SecretRow {
    secret: String,
    created_at: i64,
    retired_at: Option<i64>,
}

impl Store {
    /// The secrets that sign at `now`, the current one first.
    pub async fn signing_secrets(
        &self,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
        now: Timestamp,
    ) -> Result<Vec<SecretRecord>, StoreError> {
        let rows: Vec<SecretRow> = sqlx::query_as(
            "SELECT secret, created_at, retired_at FROM signing_secrets \
             WHERE client_uuid = $1 AND environment = $2 AND purpose = $3 AND (retired_at IS NULL OR retired_at > $4) \
             ORDER BY (retired_at IS NULL) DESC, created_at DESC",
        )
        .bind(client_uuid)
        .bind(environment.as_str())
        .bind(purpose.as_str())
        .bind(now.as_micros())
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SecretRecord {
                    secret: self.cipher.decrypt(&r.secret)?,
                    created_at: Timestamp::from_micros(r.created_at),
                    retired_at: r.retired_at.map(Timestamp::from_micros),
                })
            })
            .collect()
    }

    /// The current secret, created with `generate` when there is none yet.
    pub async fn ensure_secret(
        &self,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
        generate: impl FnOnce() -> String,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        let secret = tx.ensure_secret(client_uuid, environment, purpose, generate, now).await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// Makes `new_secret` the current secret. The previous current one keeps signing until
    /// `now + overlap`; any older one still signing stops now (at most two secrets sign at once).
    pub async fn rotate_secret(
        &self,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
        new_secret: &str,
        overlap_micros: i64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.rotate_secret(client_uuid, environment, purpose, new_secret, overlap_micros, now).await?;
        tx.commit().await
    }
}

impl Store {
    /// Rewrites every secret and hash key stored with a previous key under the current key (after a
    /// key rotation); returns how many values were rewritten.
    pub async fn reencrypt_secrets(&self) -> Result<u64, StoreError> {
        let mut rewritten = 0;
        let secrets: Vec<(String, String)> =
            sqlx::query_as("SELECT id, secret FROM signing_secrets").fetch_all(&self.read).await?;
        for (id, stored) in secrets {
            if self.cipher.is_stale(&stored) {
                let fresh = self.cipher.encrypt(&self.cipher.decrypt(&stored)?);
                sqlx::query("UPDATE signing_secrets SET secret = $1 WHERE id = $2")
                    .bind(fresh)
                    .bind(id)
                    .execute(&self.write)
                    .await?;
                rewritten += 1;
            }
        }
        let keys: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT client_uuid, environment, rook_hash_key FROM environments WHERE rook_hash_key IS NOT NULL",
        )
        .fetch_all(&self.read)
        .await?;
        for (client_uuid, environment, stored) in keys {
            if self.cipher.is_stale(&stored) {
                let fresh = self.cipher.encrypt(&self.cipher.decrypt(&stored)?);
                sqlx::query("UPDATE environments SET rook_hash_key = $1 WHERE client_uuid = $2 AND environment = $3")
                    .bind(fresh)
                    .bind(client_uuid)
                    .bind(environment)
                    .execute(&self.write)
                    .await?;
                rewritten += 1;
            }
        }
        Ok(rewritten)
    }
}
