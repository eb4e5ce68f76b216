//! Client API keys (stored as SHA-256 digests, never in clear) and the addresses each was used from.

use app::dto::ClientKeyView;
use app::timestamp::Timestamp;
use app::vocab::{Environment, KeyAccess};

use super::stored::stored_record;
use super::{Store, StoreError, StoreTx, new_id};

/// A key to store: everything but its id and times.
#[derive(Debug, Clone)]
pub struct NewClientKey<'a> {
    pub client_uuid: &'a str,
    pub environment: Option<Environment>,
    pub name: &'a str,
    pub access: KeyAccess,
    pub key_sha256: &'a str,
    pub created_by: &'a str,
    pub expires_at: Option<Timestamp>,
}

const COLUMNS: &str =
    "id, client_uuid, environment, name, access, created_by, created_at, expires_at, last_used_at, revoked_at";

stored_record! {
    read ClientKeyView from "client_api_keys" as KeyRow {
        id: String,
        client_uuid: String,
        environment: Option<Environment>,
        name: String,
        access: KeyAccess,
        created_by: String,
        created_at: Timestamp,
        expires_at: Option<Timestamp>,
        last_used_at: Option<Timestamp>,
        revoked_at: Option<Timestamp>,
    }
}

impl Store {
    /// The key whose digest this is (revoked and expired ones too: the caller decides).
    pub async fn client_key_by_digest(&self, key_sha256: &str) -> Result<Option<ClientKeyView>, StoreError> {
        self.one_by::<KeyRow, _>(&format!("SELECT {COLUMNS} FROM client_api_keys WHERE key_sha256 = $1"), key_sha256)
            .await
    }

    /// A client's keys, newest first (revoked ones included).
    pub async fn client_keys(&self, client_uuid: &str) -> Result<Vec<ClientKeyView>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM client_api_keys WHERE client_uuid = $1 ORDER BY id DESC");
        self.all_by::<KeyRow, _>(&sql, client_uuid).await
    }

    /// Records that the key was used at `now` (a figure shown beside the key, not a setting: written on
    /// its own).
    pub async fn touch_client_key(&self, key_id: &str, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE client_api_keys SET last_used_at = $1 WHERE id = $2")
            .bind(now.as_micros())
            .bind(key_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}

impl StoreTx<'_> {
    /// Stores a new key's digest; answers the key as it is listed.
    pub async fn insert_client_key(
        &mut self,
        key: NewClientKey<'_>,
        now: Timestamp,
    ) -> Result<ClientKeyView, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO client_api_keys \
             (id, client_uuid, environment, name, access, key_sha256, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(key.client_uuid)
        .bind(key.environment.map(Environment::as_str))
        .bind(key.name)
        .bind(key.access.as_str())
        .bind(key.key_sha256)
        .bind(key.created_by)
        .bind(now.as_micros())
        .bind(key.expires_at.map(Timestamp::as_micros))
        .execute(&mut *self.tx)
        .await
        .map_err(|e| StoreError::on_unique(e, "key"))?;
        Ok(ClientKeyView {
            id,
            client_uuid: key.client_uuid.to_owned(),
            name: key.name.to_owned(),
            environment: key.environment,
            access: key.access,
            created_by: key.created_by.to_owned(),
            created_at: now,
            expires_at: key.expires_at,
            last_used_at: None,
            revoked_at: None,
        })
    }

    /// Revokes one of a client's keys at `now`; a key revoked before keeps its first revocation time.
    /// `None` when the client has no such key.
    pub async fn revoke_client_key(
        &mut self,
        client_uuid: &str,
        key_id: &str,
        now: Timestamp,
    ) -> Result<Option<ClientKeyView>, StoreError> {
        sqlx::query(
            "UPDATE client_api_keys SET revoked_at = $1 \
             WHERE client_uuid = $2 AND id = $3 AND revoked_at IS NULL",
        )
        .bind(now.as_micros())
        .bind(client_uuid)
        .bind(key_id)
        .execute(&mut *self.tx)
        .await?;
        let sql = format!("SELECT {COLUMNS} FROM client_api_keys WHERE client_uuid = $1 AND id = $2");
        let row: Option<KeyRow> =
            sqlx::query_as(&sql).bind(client_uuid).bind(key_id).fetch_optional(&mut *self.tx).await?;
        row.map(TryInto::try_into).transpose()
    }

    /// Remembers that the key was used from `address`; `true` when this is the first use from there.
    pub async fn note_client_key_address(
        &mut self,
        key_id: &str,
        address: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO client_api_key_addresses (key_id, address, first_seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key_id, address) DO NOTHING",
        )
        .bind(key_id)
        .bind(address)
        .bind(now.as_micros())
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
