//! A write transaction for changes made of several parts (a setting, what follows from it, and its
//! audit entry): either every part is written or none is. The single-part methods of [`Store`] are
//! each one such transaction.

use app::timestamp::Timestamp;
use app::vocab::{DisabledReason, Environment, NotificationStatus, NotificationType, SecretPurpose, SubscriptionState};

use super::dispatch::{Channel, EndpointKey};
use super::vocab_sql::{SqlLiteral, sql_list};
use super::{
    AccountRecord, ClientRecord, NewAccount, NewAuditEntry, SecretKind, SecretOwner, Store, StoreError, new_id,
};

/// An open write transaction; dropped without [`StoreTx::commit`], it writes nothing.
///
/// On SQLite it holds the single writer connection: while it is open, write through it only (a write
/// through the [`Store`] would wait for the connection this transaction holds).
pub struct StoreTx<'s> {
    store: &'s Store,
    /// The transaction itself: the store's modules that add changes of their own write through it.
    pub(super) tx: sqlx::Transaction<'static, sqlx::Any>,
}

impl Store {
    /// Starts a write transaction (on SQLite holding the write lock from the start: see
    /// [`Store::begin_write`]).
    pub async fn begin(&self) -> Result<StoreTx<'_>, StoreError> {
        Ok(StoreTx { store: self, tx: self.begin_write().await? })
    }

    /// Runs one change of [`StoreTx`] in a transaction of its own (what the store's methods named like
    /// one do).
    pub async fn in_tx<T>(
        &self,
        change: impl AsyncFnOnce(&mut StoreTx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = self.begin().await?;
        let value = change(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }
}

impl StoreTx<'_> {
    /// Writes every part of the change.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Creates a client with both environments inactive and without URLs; `Conflict` when the UUID
    /// is taken.
    pub async fn insert_client(
        &mut self,
        client_uuid: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<ClientRecord, StoreError> {
        sqlx::query("INSERT INTO clients (client_uuid, name, created_at) VALUES ($1, $2, $3)")
            .bind(client_uuid)
            .bind(name)
            .bind(now.as_micros())
            .execute(&mut *self.tx)
            .await
            .map_err(|e| StoreError::on_unique(e, "client_uuid"))?;
        for env in Environment::ALL {
            sqlx::query(&format!(
                "INSERT INTO environments (client_uuid, environment, subscription_state, state_since, updated_at) \
                 VALUES ($1, $2, {inactive}, $3, $3)",
                inactive = SubscriptionState::Inactive.sql(),
            ))
            .bind(client_uuid)
            .bind(env.as_str())
            .bind(now.as_micros())
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(ClientRecord { client_uuid: client_uuid.to_owned(), name: name.to_owned(), created_at: now })
    }

    /// Creates an account; `Conflict { what: "email" }` when the email is taken.
    pub async fn insert_account(&mut self, new: NewAccount<'_>, now: Timestamp) -> Result<AccountRecord, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO accounts (id, email, password_hash, role, client_uuid, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(new.email)
        .bind(new.password_hash)
        .bind(new.role.as_str())
        .bind(new.client_uuid)
        .bind(now.as_micros())
        .execute(&mut *self.tx)
        .await
        .map_err(|e| StoreError::on_unique(e, "email"))?;
        Ok(AccountRecord {
            id,
            email: new.email.to_owned(),
            password_hash: new.password_hash.to_owned(),
            role: new.role,
            client_uuid: new.client_uuid.map(str::to_owned),
            created_at: now,
        })
    }

    /// Sets an environment's URLs and legacy hash key (all three, as given).
    pub async fn set_environment_endpoints(
        &mut self,
        client_uuid: &str,
        environment: Environment,
        notification_webhook_url: Option<&str>,
        data_webhook_url: Option<&str>,
        rook_hash_key: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let owner = SecretOwner { client_uuid, environment, kind: SecretKind::HashKey };
        let rook_hash_key = rook_hash_key.map(|k| self.store.cipher.encrypt(k, &owner));
        let set = sqlx::query(
            "UPDATE environments SET notification_webhook_url = $1, data_webhook_url = $2, rook_hash_key = $3, \
             updated_at = $4 WHERE client_uuid = $5 AND environment = $6",
        )
        .bind(notification_webhook_url)
        .bind(data_webhook_url)
        .bind(rook_hash_key);
        self.update_environment(set, client_uuid, environment, now).await
    }

    /// Sets the types an environment's subscription wants (`None`: every type).
    pub async fn set_notification_types(
        &mut self,
        client_uuid: &str,
        environment: Environment,
        types: Option<&[NotificationType]>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let stored = types.map(|t| t.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","));
        let set = sqlx::query(
            "UPDATE environments SET notification_types = $1, updated_at = $2 WHERE client_uuid = $3 AND environment = $4",
        )
        .bind(stored);
        self.update_environment(set, client_uuid, environment, now).await
    }

    /// Sets an environment's delivery rates (deliveries per second; `None`: no cap) for both channels,
    /// and makes sure each capped channel has its shared send schedule (`endpoint_rates`).
    pub async fn set_rate_limits(
        &mut self,
        client_uuid: &str,
        environment: Environment,
        notification: Option<u32>,
        data: Option<u32>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let set = sqlx::query(
            "UPDATE environments SET notification_rate_limit = $1, data_rate_limit = $2, updated_at = $3 \
             WHERE client_uuid = $4 AND environment = $5",
        )
        .bind(notification.map(i64::from))
        .bind(data.map(i64::from));
        self.update_environment(set, client_uuid, environment, now).await?;
        for (channel, cap) in [(Channel::Notification, notification), (Channel::Data, data)] {
            if cap.is_some() {
                sqlx::query(
                    "INSERT INTO endpoint_rates (client_uuid, environment, channel, next_send_at) \
                     VALUES ($1, $2, $3, 0) ON CONFLICT (client_uuid, environment, channel) DO NOTHING",
                )
                .bind(client_uuid)
                .bind(environment.as_str())
                .bind(channel.as_str())
                .execute(&mut *self.tx)
                .await?;
            }
        }
        Ok(())
    }

    /// Moves an environment's subscription to `state` (with a reason when disabled), from now on.
    pub async fn set_subscription_state(
        &mut self,
        client_uuid: &str,
        environment: Environment,
        state: SubscriptionState,
        disabled_reason: Option<DisabledReason>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let set = sqlx::query(
            "UPDATE environments SET subscription_state = $1, disabled_reason = $2, state_since = $3, updated_at = $3 \
             WHERE client_uuid = $4 AND environment = $5",
        )
        .bind(state.as_str())
        .bind(disabled_reason.map(DisabledReason::as_str));
        self.update_environment(set, client_uuid, environment, now).await
    }

    /// Runs an `UPDATE environments` whose values are bound, binding the rest in the order every such
    /// statement takes them (`now`, then the client and the environment it changes); `NotFound` when
    /// there is no such environment.
    async fn update_environment<'q>(
        &mut self,
        set: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
        client_uuid: &'q str,
        environment: Environment,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let done =
            set.bind(now.as_micros()).bind(client_uuid).bind(environment.as_str()).execute(&mut *self.tx).await?;
        found(done.rows_affected())
    }

    /// The current secret, created with `generate` when there is none yet.
    pub async fn ensure_secret(
        &mut self,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
        generate: impl FnOnce() -> String,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let current: Option<String> = sqlx::query_scalar(
            "SELECT secret FROM signing_secrets \
             WHERE client_uuid = $1 AND environment = $2 AND purpose = $3 AND retired_at IS NULL",
        )
        .bind(client_uuid)
        .bind(environment.as_str())
        .bind(purpose.as_str())
        .fetch_optional(&mut *self.tx)
        .await?;
        let owner = SecretOwner { client_uuid, environment, kind: SecretKind::Signing(purpose) };
        if let Some(secret) = current {
            return self.store.cipher.decrypt(&secret, &owner);
        }
        let secret = generate();
        let stored = self.store.cipher.encrypt(&secret, &owner);
        self.insert_secret(client_uuid, environment, purpose, &stored, now).await?;
        Ok(secret)
    }

    /// Makes `new_secret` the current secret. The previous current one keeps signing until
    /// `now + overlap`; any older one still signing stops now (at most two secrets sign at once).
    pub async fn rotate_secret(
        &mut self,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
        new_secret: &str,
        overlap_micros: i64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        // The current one (not retired) signs until `now + overlap`; an older one still signing stops now.
        sqlx::query(
            "UPDATE signing_secrets SET retired_at = CASE WHEN retired_at IS NULL THEN $5 ELSE $1 END \
             WHERE client_uuid = $2 AND environment = $3 AND purpose = $4 AND (retired_at IS NULL OR retired_at > $1)",
        )
        .bind(now.as_micros())
        .bind(client_uuid)
        .bind(environment.as_str())
        .bind(purpose.as_str())
        .bind(now.plus_micros(overlap_micros).as_micros())
        .execute(&mut *self.tx)
        .await?;
        let owner = SecretOwner { client_uuid, environment, kind: SecretKind::Signing(purpose) };
        let stored = self.store.cipher.encrypt(new_secret, &owner);
        self.insert_secret(client_uuid, environment, purpose, &stored, now).await
    }

    /// Inserts a secret already in its stored (encrypted) form.
    async fn insert_secret(
        &mut self,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
        stored_secret: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO signing_secrets (id, client_uuid, environment, purpose, secret, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(client_uuid)
        .bind(environment.as_str())
        .bind(purpose.as_str())
        .bind(stored_secret)
        .bind(now.as_micros())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// How many of an endpoint's held notifications have lost their payload (purged by retention before
    /// held ones were kept): releasing them would have nothing to send.
    pub async fn held_without_payload(&mut self, endpoint: &EndpointKey) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM notifications \
             WHERE client_uuid = $1 AND environment = $2 AND status = {held} AND body IS NULL",
            held = NotificationStatus::Held.sql(),
        ))
        .bind(&endpoint.client_uuid)
        .bind(endpoint.environment.as_str())
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Sends an endpoint's held notifications again, due now. Returns how many.
    pub async fn release_held(&mut self, endpoint: &EndpointKey, now: Timestamp) -> Result<u64, StoreError> {
        let released = sqlx::query(&format!(
            "UPDATE notifications SET status = CASE WHEN attempt_count = 0 THEN {pending} ELSE {retrying} END, \
             next_attempt_at = $1, next_trigger = NULL, next_triggered_by = NULL \
             WHERE client_uuid = $2 AND environment = $3 AND status = {held}",
            pending = NotificationStatus::Pending.sql(),
            retrying = NotificationStatus::Retrying.sql(),
            held = NotificationStatus::Held.sql(),
        ))
        .bind(now.as_micros())
        .bind(&endpoint.client_uuid)
        .bind(endpoint.environment.as_str())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if released > 0 {
            self.store.notify_due(&mut self.tx).await?;
        }
        Ok(released)
    }

    /// Stops an endpoint's waiting notifications when its subscription is switched off: they become
    /// `not_subscribed` and are never sent. Returns how many.
    pub async fn stop_waiting(&mut self, endpoint: &EndpointKey, now: Timestamp) -> Result<u64, StoreError> {
        use NotificationStatus::{Held, NotSubscribed, Pending, Retrying};
        let done = sqlx::query(&format!(
            "UPDATE notifications SET status = {not_subscribed}, next_attempt_at = NULL, resume_at = NULL \
             WHERE client_uuid = $1 AND environment = $2 AND status IN {waiting} \
               AND (lease_until IS NULL OR lease_until <= $3)",
            not_subscribed = NotSubscribed.sql(),
            waiting = sql_list(&[Pending, Retrying, Held]),
        ))
        .bind(&endpoint.client_uuid)
        .bind(endpoint.environment.as_str())
        .bind(now.as_micros())
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected())
    }

    /// Appends an audit entry at `now`.
    pub async fn append_audit(&mut self, entry: NewAuditEntry<'_>, now: Timestamp) -> Result<String, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor, action, client_uuid, environment, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(now.as_micros())
        .bind(entry.actor)
        .bind(entry.action)
        .bind(entry.client_uuid)
        .bind(entry.environment.map(Environment::as_str))
        .bind(entry.detail.to_string())
        .execute(&mut *self.tx)
        .await?;
        Ok(id)
    }
}

/// `NotFound` when an update matched no row.
fn found(rows: u64) -> Result<(), StoreError> {
    if rows == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
