//! API tokens and idempotency keys.

use app::timestamp::Timestamp;
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{Actor, ServiceError, Services};
use crate::store::{IdempotencyClaim, StoredResponse, TokenRecord, TokenScope};

/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_WINDOW_MICROS: i64 = 24 * 3600 * 1_000_000;
/// The longest idempotency key accepted.
const MAX_KEY_LEN: usize = 255;

/// A request's idempotency key, with the digest of what was asked (a reused key must ask the same).
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub token_id: String,
    pub key: String,
    pub request_sha256: String,
}

impl IdempotencyKey {
    /// Checks the header value and digests the request body.
    pub fn new(token_id: &str, key: &str, request_body: &[u8]) -> Result<Self, ServiceError> {
        if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ServiceError::validation(
                "Idempotency-Key",
                format!("An Idempotency-Key is 1 to {MAX_KEY_LEN} visible ASCII characters."),
            ));
        }
        Ok(IdempotencyKey {
            token_id: token_id.to_owned(),
            key: key.to_owned(),
            request_sha256: sha256_hex(request_body),
        })
    }

    /// The claim on this key that a recording writes in its own transaction: a key older than the
    /// window is free again.
    pub(super) fn claim(&self, now: Timestamp) -> IdempotencyClaim {
        IdempotencyClaim {
            token_id: self.token_id.clone(),
            key: self.key.clone(),
            request_sha256: self.request_sha256.clone(),
            expired_before: now.plus_micros(-IDEMPOTENCY_WINDOW_MICROS),
        }
    }
}

/// The answer to an idempotent request: a fresh result, or the first answer given to this key.
#[derive(Debug, Clone, PartialEq)]
pub enum IdempotentReply<T> {
    Fresh(T),
    Replay { status: u16, body: String },
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Services {
    /// The actor behind a bearer token, or `Unauthenticated`.
    pub async fn authenticate_token(&self, presented: &str) -> Result<Actor, ServiceError> {
        let digest = sha256_hex(presented.as_bytes());
        // Comparing digests, not tokens: equal-length values whose comparison time reveals nothing.
        if let Some(configured) = &self.inner.config.api_token
            && sha256_hex(configured.as_bytes()) == digest
        {
            return Ok(Actor::ApiToken {
                token_id: "configured".into(),
                name: "configured".into(),
                scope: TokenScope::Admin,
            });
        }
        match self.store().token_by_digest(&digest).await? {
            Some(token) => Ok(Actor::ApiToken { token_id: token.id, name: token.name, scope: token.scope }),
            None => Err(ServiceError::Unauthenticated),
        }
    }

    /// Creates an API token (operators, at the command line); returns it in clear, once.
    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
        scope: TokenScope,
    ) -> Result<(TokenRecord, String), ServiceError> {
        if !matches!(actor, Actor::System) {
            return Err(ServiceError::Forbidden);
        }
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(ServiceError::validation("name", "A token name has 1 to 100 characters."));
        }
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = format!("rnk_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        let record =
            self.store().insert_token(name, &sha256_hex(token.as_bytes()), scope, Timestamp::now()).await.map_err(
                |e| match ServiceError::from(e) {
                    ServiceError::Conflict { code, .. } => {
                        ServiceError::Conflict { code, message: format!("A token named {name} already exists.") }
                    }
                    other => other,
                },
            )?;
        Ok((record, token))
    }

    /// The first answer given to `key`, to send again, when the request carries a key used in the last
    /// 24 hours (`None`: record the request). 422 when the key was used for a different request.
    pub(super) async fn earlier_reply<T>(
        &self,
        key: Option<&IdempotencyKey>,
    ) -> Result<Option<IdempotentReply<T>>, ServiceError> {
        let Some(key) = key else { return Ok(None) };
        Ok(self.replay(key).await?.map(|stored| IdempotentReply::Replay { status: stored.status, body: stored.body }))
    }

    /// The answer to a request whose recording found its key claimed: a concurrent request with the
    /// same key won the race, so answer as it was answered.
    pub(super) async fn reply_of_winner<T>(
        &self,
        key: Option<&IdempotencyKey>,
    ) -> Result<IdempotentReply<T>, ServiceError> {
        let Some(key) = key else {
            return Err(ServiceError::internal("duplicate idempotency key without a key"));
        };
        match self.replay(key).await? {
            Some(stored) => Ok(IdempotentReply::Replay { status: stored.status, body: stored.body }),
            None => Err(ServiceError::internal("an idempotency key vanished during a duplicate request")),
        }
    }

    /// The first answer to `key`, if it was used in the last 24 hours: `Ok(Some)` to replay it, or a
    /// 422 when the key was used for a different request.
    async fn replay(&self, key: &IdempotencyKey) -> Result<Option<StoredResponse>, ServiceError> {
        let not_before = Timestamp::now().plus_micros(-IDEMPOTENCY_WINDOW_MICROS);
        match self.store().idempotent_response(&key.token_id, &key.key, not_before).await? {
            Some(stored) if stored.request_sha256 != key.request_sha256 => Err(ServiceError::Validation {
                code: "idempotency_key_reused",
                field: "Idempotency-Key".into(),
                message: "This Idempotency-Key was already used for a different request.".into(),
            }),
            other => Ok(other),
        }
    }
}
