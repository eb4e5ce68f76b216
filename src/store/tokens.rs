//! API tokens (stored as SHA-256 digests, never in clear) and idempotency keys.

use app::timestamp::Timestamp;

use super::error::parse_stored;
use super::{Store, StoreError, new_id};

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    /// Everything.
    Admin,
    /// Only report platform events and hand over data deliveries.
    Ingest,
}

impl TokenScope {
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenScope::Admin => "admin",
            TokenScope::Ingest => "ingest",
        }
    }
}

impl std::str::FromStr for TokenScope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "admin" => Ok(TokenScope::Admin),
            "ingest" => Ok(TokenScope::Ingest),
            other => Err(format!("unknown token scope `{other}`; expected admin or ingest")),
        }
    }
}

/// A stored token (its digest only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: String,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: Timestamp,
}

/// The first answer given to a request with an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub request_sha256: String,
    pub status: u16,
    pub body: String,
}

impl Store {
    /// Stores a token's digest under a unique name.
    pub async fn insert_token(
        &self,
        name: &str,
        token_sha256: &str,
        scope: TokenScope,
        now: Timestamp,
    ) -> Result<TokenRecord, StoreError> {
        let id = new_id();
        sqlx::query("INSERT INTO api_tokens (id, name, token_sha256, scope, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(name)
            .bind(token_sha256)
            .bind(scope.as_str())
            .bind(now.as_micros())
            .execute(&self.write)
            .await
            .map_err(|e| StoreError::on_unique(e, "name"))?;
        Ok(TokenRecord { id, name: name.to_owned(), scope, created_at: now })
    }

    /// The token whose digest this is.
    pub async fn token_by_digest(&self, token_sha256: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row: Option<(String, String, String, i64)> =
            sqlx::query_as("SELECT id, name, scope, created_at FROM api_tokens WHERE token_sha256 = $1")
                .bind(token_sha256)
                .fetch_optional(&self.read)
                .await?;
        row.map(|(id, name, scope, created_at)| {
            Ok(TokenRecord {
                id,
                name,
                scope: parse_stored(&scope, "api_tokens.scope")?,
                created_at: Timestamp::from_micros(created_at),
            })
        })
        .transpose()
    }

    /// The first answer recorded under `(token_id, key)` since `not_before`.
    pub async fn idempotent_response(
        &self,
        token_id: &str,
        key: &str,
        not_before: Timestamp,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let row: Option<(String, i64, String)> = sqlx::query_as(
            "SELECT request_sha256, response_status, response_body FROM idempotency_keys \
             WHERE token_id = $1 AND key = $2 AND created_at >= $3",
        )
        .bind(token_id)
        .bind(key)
        .bind(not_before.as_micros())
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|(request_sha256, status, body)| StoredResponse {
            request_sha256,
            status: u16::try_from(status).unwrap_or(500),
            body,
        }))
    }

    /// Forgets idempotency keys recorded before `before`; returns how many.
    pub async fn purge_idempotency_keys(&self, before: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before.as_micros())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}
