//! Signing secrets of each environment: the notification secret and the data secret. A rotation keeps
//! the previous secret signing alongside the new one until its `retired_at`.

use app::timestamp::Timestamp;
use app::vocab::{Environment, SecretPurpose};

use super::{SecretKind, SecretOwner, Store, StoreError};

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
        let owner = SecretOwner { client_uuid, environment, kind: SecretKind::Signing(purpose) };
        rows.into_iter()
            .map(|r| {
                Ok(SecretRecord {
                    secret: self.cipher.decrypt(&r.secret, &owner)?,
                    created_at: Timestamp::from_micros(r.created_at),
                    retired_at: r.retired_at.map(Timestamp::from_micros),
                })
            })
            .collect()
    }
}

/// A stored secret value with what it belongs to.
struct StoredSecret {
    /// Which row: `signing_secrets.id`, or the environment for a hash key.
    row: StoredRow,
    client_uuid: String,
    environment: Environment,
    kind: SecretKind,
    stored: String,
}

enum StoredRow {
    Signing { id: String },
    HashKey,
}

impl StoredSecret {
    fn owner(&self) -> SecretOwner<'_> {
        SecretOwner { client_uuid: &self.client_uuid, environment: self.environment, kind: self.kind }
    }
}

impl Store {
    /// Every encrypted value in the database, with its owner.
    async fn stored_secrets(&self) -> Result<Vec<StoredSecret>, StoreError> {
        use super::error::parse_stored;
        let mut all = Vec::new();
        let secrets: Vec<(String, String, String, String, String)> =
            sqlx::query_as("SELECT id, client_uuid, environment, purpose, secret FROM signing_secrets")
                .fetch_all(&self.read)
                .await?;
        for (id, client_uuid, environment, purpose, stored) in secrets {
            all.push(StoredSecret {
                row: StoredRow::Signing { id },
                environment: parse_stored(&environment, "signing_secrets.environment")?,
                kind: SecretKind::Signing(parse_stored(&purpose, "signing_secrets.purpose")?),
                client_uuid,
                stored,
            });
        }
        let keys: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT client_uuid, environment, rook_hash_key FROM environments WHERE rook_hash_key IS NOT NULL",
        )
        .fetch_all(&self.read)
        .await?;
        for (client_uuid, environment, stored) in keys {
            all.push(StoredSecret {
                row: StoredRow::HashKey,
                environment: parse_stored(&environment, "environments.environment")?,
                kind: SecretKind::HashKey,
                client_uuid,
                stored,
            });
        }
        Ok(all)
    }

    /// Replaces one stored value, only if it is still `old` (another process may have rewritten it, or
    /// a rotation replaced it, since it was read). Returns whether it was replaced.
    async fn replace_secret(&self, secret: &StoredSecret, fresh: &str) -> Result<bool, StoreError> {
        let done = match &secret.row {
            StoredRow::Signing { id } => {
                sqlx::query("UPDATE signing_secrets SET secret = $1 WHERE id = $2 AND secret = $3")
                    .bind(fresh)
                    .bind(id)
                    .bind(&secret.stored)
                    .execute(&self.write)
                    .await?
            }
            StoredRow::HashKey => {
                sqlx::query(
                    "UPDATE environments SET rook_hash_key = $1 \
                 WHERE client_uuid = $2 AND environment = $3 AND rook_hash_key = $4",
                )
                .bind(fresh)
                .bind(&secret.client_uuid)
                .bind(secret.environment.as_str())
                .bind(&secret.stored)
                .execute(&self.write)
                .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    /// The ids of the keys that wrote stored values this store's cipher cannot read, each with how
    /// many values it wrote (empty when every value is readable).
    pub async fn unreadable_secret_keys(&self) -> Result<Vec<(String, usize)>, StoreError> {
        let mut unknown: Vec<(String, usize)> = Vec::new();
        for secret in self.stored_secrets().await? {
            if let Some(id) = self.cipher.unknown_key(&secret.stored) {
                match unknown.iter_mut().find(|(known, _)| known == id) {
                    Some((_, count)) => *count += 1,
                    None => unknown.push((id.to_owned(), 1)),
                }
            }
        }
        Ok(unknown)
    }

    /// Binds every value stored without its owner (the `v1` form) to its owner, under the key that
    /// wrote it: a startup step, so that a ciphertext moved to another row no longer decrypts. Values
    /// of a previous key stay under it (processes still on that key keep reading them) until
    /// `reencrypt-secrets`. Returns how many values were rewritten.
    pub async fn bind_secrets_to_owners(&self) -> Result<u64, StoreError> {
        let mut rewritten = 0;
        for secret in self.stored_secrets().await? {
            if let Some(fresh) = self.cipher.bind_v1(&secret.stored, &secret.owner())?
                && self.replace_secret(&secret, &fresh).await?
            {
                rewritten += 1;
            }
        }
        Ok(rewritten)
    }

    /// Rewrites every secret and hash key stored with a previous key, or without its owner, under the
    /// current key (after a key rotation); returns how many values were rewritten.
    pub async fn reencrypt_secrets(&self) -> Result<u64, StoreError> {
        let mut rewritten = 0;
        for secret in self.stored_secrets().await? {
            if self.cipher.is_stale(&secret.stored) {
                let owner = secret.owner();
                let fresh = self.cipher.encrypt(&self.cipher.decrypt(&secret.stored, &owner)?, &owner);
                if self.replace_secret(&secret, &fresh).await? {
                    rewritten += 1;
                }
            }
        }
        Ok(rewritten)
    }
}
