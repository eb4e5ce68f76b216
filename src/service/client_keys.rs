//! Client API keys: a client's own programs reach the pull API with them (its notifications and data
//! deliveries: list, read, resend, test, its subscriptions). Created by a client account for its own
//! client or by staff for any, shown once, stored as a digest, revocable at once.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use app::dto::{ClientKeyView, CreatedClientKey, NewClientKey, SubscriptionView};
use app::timestamp::Timestamp;
use app::vocab::Environment;
use base64::Engine as _;
use rand::RngCore;
use serde_json::json;

use super::actor::ClientKeyActor;
use super::tokens::sha256_hex;
use super::views::subscription_view;
use super::{Actor, ServiceError, Services};
use crate::store::NewClientKey as StoredKey;

/// What every client API key starts with, so that secret scanners can recognise a leaked one (ROOK's
/// own API tokens start with `rnk_`).
pub const CLIENT_KEY_PREFIX: &str = "rnck_";
/// The longest name of a key.
const MAX_NAME_CHARS: usize = 100;
/// `last_used_at` is written at most this often per key and process: a write on every request would
/// cost more than the time is worth.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Past this many remembered uses, the memory is cleared (it only saves writes).
const MAX_REMEMBERED: usize = 100_000;

/// What this process remembers of keys' uses, to spare the database a write per request.
#[derive(Default)]
pub(super) struct KeyUses {
    touched: HashMap<String, Instant>,
    addresses: HashSet<(String, IpAddr)>,
}

impl Services {
    /// Creates a client API key and answers it in clear, once. A client account creates keys for its
    /// own client, staff (and admin tokens) for any; a key cannot create keys.
    pub async fn create_client_key(
        &self,
        actor: &Actor,
        client_uuid: &str,
        new: NewClientKey,
    ) -> Result<CreatedClientKey, ServiceError> {
        let client_uuid = self.key_managing_client(actor, client_uuid).await?;
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(ServiceError::validation(
                "name",
                format!("A key's name has 1 to {MAX_NAME_CHARS} printable characters."),
            ));
        }
        let now = Timestamp::now();
        if new.expires_at.is_some_and(|at| at <= now) {
            return Err(ServiceError::validation("expires_at", "A key's expiry must be in the future."));
        }
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let secret = format!("{CLIENT_KEY_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        // A plain SHA-256 digest is enough here, unlike for passwords (argon2id): the key is 256 random
        // bits, so there is no dictionary to try and a slow hash would only slow down every request.
        let digest = sha256_hex(secret.as_bytes());
        let audit_name = actor.audit_name();
        let stored = StoredKey {
            client_uuid: &client_uuid,
            environment: new.environment,
            name,
            access: new.access,
            key_sha256: &digest,
            created_by: &audit_name,
            expires_at: new.expires_at,
        };
        let mut tx = self.store().begin().await?;
        let key = tx.insert_client_key(stored, now).await?;
        let detail = json!({
            "key_id": key.id, "name": key.name, "access": key.access, "expires_at": key.expires_at,
        });
        self.audit_in(&mut tx, actor, "client_key.created", Some(&client_uuid), key.environment, detail, now).await?;
        tx.commit().await?;
        Ok(CreatedClientKey { key, secret })
    }

    /// A client's API keys, newest first, revoked ones included.
    pub async fn list_client_keys(&self, actor: &Actor, client_uuid: &str) -> Result<Vec<ClientKeyView>, ServiceError> {
        let client_uuid = self.key_managing_client(actor, client_uuid).await?;
        Ok(self.store().client_keys(&client_uuid).await?)
    }

    /// Revokes a client API key: from now on it answers 401, in every process. Revoking a revoked key
    /// changes nothing.
    pub async fn revoke_client_key(
        &self,
        actor: &Actor,
        client_uuid: &str,
        key_id: &str,
    ) -> Result<ClientKeyView, ServiceError> {
        let client_uuid = self.key_managing_client(actor, client_uuid).await?;
        if uuid::Uuid::parse_str(key_id).is_err() {
            return Err(ServiceError::NotFound("API key"));
        }
        let now = Timestamp::now();
        let mut tx = self.store().begin().await?;
        let key = tx.revoke_client_key(&client_uuid, key_id, now).await?.ok_or(ServiceError::NotFound("API key"))?;
        if key.revoked_at == Some(now) {
            let detail = json!({ "key_id": key.id, "name": key.name });
            self.audit_in(&mut tx, actor, "client_key.revoked", Some(&client_uuid), key.environment, detail, now)
                .await?;
        }
        tx.commit().await?;
        Ok(key)
    }

    /// The subscription of one environment (never its secret): what a client's program checks before
    /// it expects deliveries.
    pub async fn subscription(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
    ) -> Result<SubscriptionView, ServiceError> {
        let (_, environments) = self.visible_environment(actor, client_uuid, environment).await?;
        let env =
            environments.iter().find(|e| e.environment == environment).ok_or(ServiceError::NotFound("environment"))?;
        Ok(subscription_view(env, None))
    }

    /// The actor behind a bearer credential: a client API key (`rnck_…`; revoked, expired or unknown is
    /// `Unauthenticated`, over its rate `RateLimited`), or one of ROOK's API tokens. `address` is the
    /// caller's, for the audit of a key's first use from somewhere new.
    pub async fn authenticate_bearer(&self, presented: &str, address: Option<IpAddr>) -> Result<Actor, ServiceError> {
        if !presented.starts_with(CLIENT_KEY_PREFIX) {
            return self.authenticate_token(presented).await;
        }
        let key = self
            .store()
            .client_key_by_digest(&sha256_hex(presented.as_bytes()))
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let now = Timestamp::now();
        if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= now) {
            return Err(ServiceError::Unauthenticated);
        }
        self.inner.key_rate.take(&key.id, 1).map_err(|retry_after| ServiceError::RateLimited { retry_after })?;
        let actor = Actor::ClientKey(ClientKeyActor {
            key_id: key.id.clone(),
            name: key.name.clone(),
            client_uuid: key.client_uuid.clone(),
            environment: key.environment,
            access: key.access,
        });
        self.note_key_use(&actor, &key, address, now).await?;
        Ok(actor)
    }

    /// How many items a bulk resend may queue for this actor: everything for people and tokens; for a
    /// client API key what its rate allows now (taken from it; give back the rest with
    /// [`Services::unused_bulk_allowance`]), or `RateLimited` when nothing is left.
    pub(super) fn bulk_allowance(&self, actor: &Actor, at_most: u32) -> Result<u32, ServiceError> {
        match actor.client_key() {
            Some(key) => self
                .inner
                .key_rate
                .take_up_to(&key.key_id, at_most)
                .map_err(|retry_after| ServiceError::RateLimited { retry_after }),
            None => Ok(at_most),
        }
    }

    /// Gives a client API key back what a bulk resend took and did not queue.
    pub(super) fn unused_bulk_allowance(&self, actor: &Actor, allowed: u32, queued: u64) {
        if let Some(key) = actor.client_key() {
            let unused = u64::from(allowed).saturating_sub(queued);
            self.inner.key_rate.give_back(&key.key_id, u32::try_from(unused).unwrap_or(u32::MAX));
        }
    }

    /// The client whose keys the actor manages: its own for a client account, any for staff and admin
    /// tokens; a key (or an ingest token) may not.
    async fn key_managing_client(&self, actor: &Actor, client_uuid: &str) -> Result<String, ServiceError> {
        actor.refuse_client_key()?;
        if !actor.is_staff() && actor.own_client().is_none() {
            return Err(ServiceError::Forbidden);
        }
        let (client, _) = self.visible_client(actor, client_uuid).await?;
        Ok(client.client_uuid)
    }

    /// Records a key's use: `last_used_at` (at most every minute per process), and an audit entry the
    /// first time it is used from an address.
    async fn note_key_use(
        &self,
        actor: &Actor,
        key: &ClientKeyView,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let (touch, new_address) = {
            let mut uses = self.inner.key_uses.lock().unwrap_or_else(|e| e.into_inner());
            if uses.touched.len() + uses.addresses.len() > MAX_REMEMBERED {
                *uses = KeyUses::default();
            }
            let touch = uses.touched.get(&key.id).is_none_or(|at| at.elapsed() >= TOUCH_EVERY);
            if touch {
                uses.touched.insert(key.id.clone(), Instant::now());
            }
            let new_address = address.filter(|a| uses.addresses.insert((key.id.clone(), *a)));
            (touch, new_address)
        };
        if touch {
            self.store().touch_client_key(&key.id, now).await?;
        }
        if let Some(address) = new_address {
            let address = address.to_string();
            let mut tx = self.store().begin().await?;
            if tx.note_client_key_address(&key.id, &address, now).await? {
                let detail = json!({ "key_id": key.id, "name": key.name, "address": address });
                let action = "client_key.used_from_new_address";
                self.audit_in(&mut tx, actor, action, Some(&key.client_uuid), key.environment, detail, now).await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }
}
