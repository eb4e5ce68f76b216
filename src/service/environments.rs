//! An environment's settings: URLs, the ROOK hash key, the subscription, and the signing secrets.

use app::dto::{ClientView, EnvironmentUpdate, SecretAction, SubscriptionView};
use app::timestamp::Timestamp;
use app::vocab::{Environment, NotificationType, SecretPurpose, SubscriptionState};
use serde_json::json;

use super::urls::{comparable, parse_webhook_url};
use super::views::{client_view, environment_view, subscription_view};
use super::{Actor, ServiceError, Services};
use crate::engine::signing::generate_secret;
use crate::store::{EndpointKey, EnvironmentRecord, NewAuditEntry, StoreTx};

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP_MICROS: i64 = 24 * 3600 * 1_000_000;
/// The longest ROOK hash key accepted.
const MAX_HASH_KEY_LEN: usize = 512;
/// The highest delivery rate cap accepted, in deliveries per second.
pub const MAX_RATE_LIMIT: u32 = 10_000;

/// A change to one field: leave it, clear it, or set it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Unchanged,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Unchanged => current,
            Patch::Clear => None,
            Patch::Set(value) => Some(value),
        }
    }
}

/// A change to a subscription (see [`Services::change_subscription`]).
#[derive(Debug, Clone)]
pub struct SubscriptionChange {
    /// On or off.
    pub active: bool,
    /// `None`: the types are unchanged; `Some(None)`: every type; `Some(Some(list))`: only those.
    pub types: Option<Option<Vec<NotificationType>>>,
    /// Whether an active subscription's answer carries its signing secret (audited when it does).
    pub reveal_secret: bool,
}

/// What to change in an environment's settings.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentPatch {
    pub notification_webhook_url: Patch<String>,
    pub data_webhook_url: Patch<String>,
    pub rook_hash_key: Patch<String>,
    /// The most deliveries per second to the Notification Webhook URL, as typed (a whole number from 1
    /// to [`MAX_RATE_LIMIT`]); cleared: no cap.
    pub notification_rate_limit: Patch<String>,
    /// The same for the Data Webhook URL.
    pub data_rate_limit: Patch<String>,
}

impl Services {
    /// Both environments of a client the actor may see.
    pub async fn client_view(&self, actor: &Actor, client_uuid: &str) -> Result<ClientView, ServiceError> {
        let (client, environments) = self.visible_client(actor, client_uuid).await?;
        Ok(client_view(client, &environments))
    }

    /// Changes an environment's URLs and hash key (staff), enforcing the URL rules (docs/architecture.md,
    /// "URL rules"): http(s), https in Production, a notification URL different from every data URL of
    /// the client (and the reverse); the same notification URL in both environments is allowed with a
    /// warning.
    pub async fn update_environment(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
        patch: EnvironmentPatch,
    ) -> Result<EnvironmentUpdate, ServiceError> {
        let (client, environments) = self.staff_client(actor, client_uuid).await?;
        let current = find(&environments, environment)?;
        let insecure = self.inner.config.allow_insecure_urls;
        let parse = |patch: Patch<String>, field: &str| -> Result<Patch<String>, ServiceError> {
            Ok(match patch {
                Patch::Set(raw) => Patch::Set(parse_webhook_url(&raw, field, environment, insecure)?),
                other => other,
            })
        };
        let notification_url = parse(patch.notification_webhook_url, "notification_webhook_url")?
            .apply(current.notification_webhook_url.clone());
        let data_url = parse(patch.data_webhook_url, "data_webhook_url")?.apply(current.data_webhook_url.clone());
        let hash_key = match patch.rook_hash_key {
            Patch::Set(key) if key.is_empty() || key.len() > MAX_HASH_KEY_LEN => {
                return Err(ServiceError::validation(
                    "rook_hash_key",
                    format!("The ROOK hash key must have between 1 and {MAX_HASH_KEY_LEN} characters."),
                ));
            }
            other => other.apply(current.rook_hash_key.clone()),
        };
        let notification_rate = parse_rate(patch.notification_rate_limit, "notification_rate_limit")?
            .apply(current.notification_rate_limit);
        let data_rate = parse_rate(patch.data_rate_limit, "data_rate_limit")?.apply(current.data_rate_limit);
        if notification_url.is_none() && current.state == SubscriptionState::Active {
            return Err(ServiceError::validation(
                "notification_webhook_url",
                "The subscription is active: switch it off before removing its Notification Webhook URL.",
            ));
        }

        // The URL rules across the client's environments, with this environment's new values.
        let mut warnings = Vec::new();
        let others: Vec<&EnvironmentRecord> = environments.iter().filter(|e| e.environment != environment).collect();
        if let Some(url) = &notification_url {
            let mine = comparable(url);
            if data_url.as_deref().is_some_and(|d| comparable(d) == mine) {
                return Err(same_as_data_url(environment));
            }
            for other in &others {
                if other.data_webhook_url.as_deref().is_some_and(|d| comparable(d) == mine) {
                    return Err(same_as_data_url(other.environment));
                }
                if other.notification_webhook_url.as_deref().is_some_and(|n| comparable(n) == mine) {
                    warnings.push(format!(
                        "The same Notification Webhook URL is used in {} and {}: notifications of both environments \
                         arrive at one receiver (the payload's `environment` tells them apart).",
                        environment.label(),
                        other.environment.label()
                    ));
                }
            }
        }
        if let Some(url) = &data_url {
            let mine = comparable(url);
            for other in &others {
                if other.notification_webhook_url.as_deref().is_some_and(|n| comparable(n) == mine) {
                    return Err(ServiceError::validation(
                        "data_webhook_url",
                        format!(
                            "The Data Webhook URL must differ from every Notification Webhook URL of this client: it \
                             equals the {} Notification Webhook URL.",
                            other.environment.label()
                        ),
                    ));
                }
            }
        }

        let now = Timestamp::now();
        let client_uuid = client.client_uuid.as_str();
        let mut tx = self.store().begin().await?;
        tx.set_environment_endpoints(
            client_uuid,
            environment,
            notification_url.as_deref(),
            data_url.as_deref(),
            hash_key.as_deref(),
            now,
        )
        .await?;
        tx.set_rate_limits(client_uuid, environment, notification_rate, data_rate, now).await?;
        self.audit_in(
            &mut tx,
            actor,
            "environment.updated",
            Some(client_uuid),
            Some(environment),
            json!({
                "notification_webhook_url": notification_url,
                "data_webhook_url": data_url,
                "rook_hash_key_set": hash_key.is_some(),
                "notification_rate_limit": notification_rate,
                "data_rate_limit": data_rate,
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        if (notification_rate, data_rate) != (current.notification_rate_limit, current.data_rate_limit) {
            // The dispatcher reads the caps when it looks at every endpoint.
            self.wake_dispatcher();
        }
        let updated = self.environment_record(&client.client_uuid, environment).await?;
        Ok(EnvironmentUpdate { environment: environment_view(&updated), warnings })
    }

    /// Switches an environment's Notification Webhook subscription on or off (staff: the add-on is
    /// sold, not self-served). On needs a notification URL and creates the signing secret on first
    /// activation; switching on a disabled subscription re-enables it and sends what was held. Off
    /// stops delivery: what was waiting becomes `not_subscribed`, and new events are recorded as such.
    pub async fn set_subscription(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
        active: bool,
    ) -> Result<SubscriptionView, ServiceError> {
        let change = SubscriptionChange { active, types: None, reveal_secret: false };
        self.change_subscription(actor, client_uuid, environment, change).await
    }

    /// Switches a subscription and, when asked, sets the types it wants — as one change: everything is
    /// checked first, and then all of it is written or none. With `reveal_secret`, an active
    /// subscription's answer carries its signing secret, and every such answer is audited as a reveal
    /// (whether or not the state changed).
    pub async fn change_subscription(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
        change: SubscriptionChange,
    ) -> Result<SubscriptionView, ServiceError> {
        let SubscriptionChange { active, types, reveal_secret } = change;
        let (client, environments) = self.staff_client(actor, client_uuid).await?;
        let current = find(&environments, environment)?;
        let types = types.map(normalise_types).transpose()?;
        if active {
            needs_notification_url(current, environment)?;
        }
        let client_uuid = client.client_uuid.as_str();
        let now = Timestamp::now();
        let mut tx = self.store().begin().await?;
        if let Some(types) = &types {
            self.write_types(&mut tx, actor, client_uuid, environment, types.as_deref(), now).await?;
        }
        let (secret, released) = if active {
            let (secret, released) = self.write_activation(&mut tx, actor, current, now).await?;
            if reveal_secret {
                let detail = json!({ "purpose": SecretPurpose::Notification.as_str(), "via": "subscription" });
                self.audit_in(&mut tx, actor, "secret.revealed", Some(client_uuid), Some(environment), detail, now)
                    .await?;
            }
            (reveal_secret.then_some(secret), released)
        } else {
            self.write_deactivation(&mut tx, actor, current, now).await?;
            (None, 0)
        };
        tx.commit().await?;
        if released > 0 {
            self.wake_dispatcher();
        }
        let record = self.environment_record(client_uuid, environment).await?;
        Ok(subscription_view(&record, secret))
    }

    /// Sets the notification types a subscription wants (staff); `None` wants every type. Events of
    /// other types are recorded as `filtered` and never sent.
    pub async fn set_notification_types(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
        types: Option<Vec<NotificationType>>,
    ) -> Result<SubscriptionView, ServiceError> {
        let (client, _) = self.staff_client(actor, client_uuid).await?;
        let types = normalise_types(types)?;
        let now = Timestamp::now();
        let mut tx = self.store().begin().await?;
        self.write_types(&mut tx, actor, &client.client_uuid, environment, types.as_deref(), now).await?;
        tx.commit().await?;
        let record = self.environment_record(&client.client_uuid, environment).await?;
        Ok(subscription_view(&record, None))
    }

    /// Re-enables a disabled subscription (staff, or the client for its own) and sends what was held.
    pub async fn reenable(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
    ) -> Result<SubscriptionView, ServiceError> {
        let (client, environments) = self.visible_client(actor, client_uuid).await?;
        let current = find(&environments, environment)?;
        if current.state != SubscriptionState::Disabled {
            return Err(ServiceError::Conflict {
                code: "not_disabled",
                message: "This subscription is not disabled.".into(),
            });
        }
        needs_notification_url(current, environment)?;
        let now = Timestamp::now();
        let mut tx = self.store().begin().await?;
        let (_, released) = self.write_activation(&mut tx, actor, current, now).await?;
        tx.commit().await?;
        if released > 0 {
            self.wake_dispatcher();
        }
        let record = self.environment_record(&client.client_uuid, environment).await?;
        // The signing secret is shown on request (and audited there), not as a side effect.
        Ok(subscription_view(&record, None))
    }

    /// Writes a type filter and its audit entry.
    async fn write_types(
        &self,
        tx: &mut StoreTx<'_>,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
        types: Option<&[NotificationType]>,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        tx.set_notification_types(client_uuid, environment, types, now).await?;
        self.audit_in(
            tx,
            actor,
            "subscription.types_set",
            Some(client_uuid),
            Some(environment),
            json!({ "types": types }),
            now,
        )
        .await
    }

    /// Writes an activation (from any state; the signing secret is created on the first) and returns
    /// the secret and how many held notifications were released.
    async fn write_activation(
        &self,
        tx: &mut StoreTx<'_>,
        actor: &Actor,
        current: &EnvironmentRecord,
        now: Timestamp,
    ) -> Result<(String, u64), ServiceError> {
        let client_uuid = current.client_uuid.as_str();
        let environment = current.environment;
        let purpose = SecretPurpose::Notification;
        let secret = tx.ensure_secret(client_uuid, environment, purpose, generate_secret, now).await?;
        let was = current.state;
        let released = if was == SubscriptionState::Disabled {
            let endpoint = EndpointKey { client_uuid: client_uuid.to_owned(), environment };
            // Held notifications are kept whole by retention, but ones purged before that rule would
            // be released with nothing to send: refuse, and change nothing (the caller's transaction
            // is dropped). Switching the subscription off makes them `not_subscribed`, which clears it.
            let purged = tx.held_without_payload(&endpoint).await?;
            if purged > 0 {
                return Err(ServiceError::Conflict {
                    code: "payload_purged",
                    message: format!(
                        "{purged} held notification(s) of this endpoint lost their payload to retention and \
                         cannot be sent; switch the subscription off (they become not subscribed) before \
                         switching it on again."
                    ),
                });
            }
            tx.release_held(&endpoint, now).await?
        } else {
            0
        };
        if was != SubscriptionState::Active {
            tx.set_subscription_state(client_uuid, environment, SubscriptionState::Active, None, now).await?;
            let action =
                if was == SubscriptionState::Disabled { "subscription.reenabled" } else { "subscription.activated" };
            let detail = json!({ "released_held": released });
            self.audit_in(tx, actor, action, Some(client_uuid), Some(environment), detail, now).await?;
        }
        Ok((secret, released))
    }

    /// Writes a deactivation (nothing when already inactive).
    async fn write_deactivation(
        &self,
        tx: &mut StoreTx<'_>,
        actor: &Actor,
        current: &EnvironmentRecord,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        if current.state == SubscriptionState::Inactive {
            return Ok(());
        }
        let client_uuid = current.client_uuid.as_str();
        let environment = current.environment;
        tx.set_subscription_state(client_uuid, environment, SubscriptionState::Inactive, None, now).await?;
        let endpoint = EndpointKey { client_uuid: client_uuid.to_owned(), environment };
        let stopped = tx.stop_waiting(&endpoint, now).await?;
        let detail = json!({ "stopped": stopped });
        self.audit_in(tx, actor, "subscription.deactivated", Some(client_uuid), Some(environment), detail, now).await
    }

    /// Shows (creating it if absent) or replaces a signing secret, for staff or the client for its own;
    /// written to the audit log in the same transaction. A replaced secret keeps signing for 24 h.
    pub async fn secret_action(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
        action: SecretAction,
    ) -> Result<String, ServiceError> {
        // A client's program reads deliveries with its key; secrets stay with people and ROOK's tokens.
        actor.refuse_client_key()?;
        let (client, _) = self.visible_client(actor, client_uuid).await?;
        let client_uuid = client.client_uuid.as_str();
        let now = Timestamp::now();
        let mut tx = self.store().begin().await?;
        let (secret, audited) = match action {
            SecretAction::Rotate => {
                let secret = generate_secret();
                tx.rotate_secret(client_uuid, environment, purpose, &secret, ROTATION_OVERLAP_MICROS, now).await?;
                (secret, "secret.rotated")
            }
            SecretAction::Reveal => {
                (tx.ensure_secret(client_uuid, environment, purpose, generate_secret, now).await?, "secret.revealed")
            }
        };
        let detail = json!({ "purpose": purpose.as_str() });
        self.audit_in(&mut tx, actor, audited, Some(client_uuid), Some(environment), detail, now).await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// The client and its environments when the actor may reach `environment` of it: a client API key
    /// scoped to the other environment gets `NotFound` before the client is looked up, like a client it
    /// may not see.
    pub(super) async fn visible_environment(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
    ) -> Result<(crate::store::ClientRecord, Vec<EnvironmentRecord>), ServiceError> {
        actor.require_environment(environment)?;
        self.visible_client(actor, client_uuid).await
    }

    /// The client and its environments, or `NotFound` when it does not exist or the actor may not see
    /// it (the two are never told apart).
    pub(super) async fn visible_client(
        &self,
        actor: &Actor,
        client_uuid: &str,
    ) -> Result<(crate::store::ClientRecord, Vec<EnvironmentRecord>), ServiceError> {
        let Some(client_uuid) = canonical_uuid(client_uuid).filter(|c| actor.can_access_client(c)) else {
            return Err(ServiceError::NotFound("client"));
        };
        let client = self.store().client(&client_uuid).await?.ok_or(ServiceError::NotFound("client"))?;
        let environments = self.store().environments_of(std::slice::from_ref(&client.client_uuid)).await?;
        Ok((client, environments))
    }

    /// The client and its environments, for a change only staff make (the add-on is sold, not
    /// self-served): forbidden to a client account for its own client, not found for another's.
    async fn staff_client(
        &self,
        actor: &Actor,
        client_uuid: &str,
    ) -> Result<(crate::store::ClientRecord, Vec<EnvironmentRecord>), ServiceError> {
        if !actor.is_staff() {
            return Err(if canonical_uuid(client_uuid).is_some_and(|c| actor.can_access_client(&c)) {
                ServiceError::Forbidden
            } else {
                ServiceError::NotFound("client")
            });
        }
        self.visible_client(actor, client_uuid).await
    }

    async fn environment_record(
        &self,
        client_uuid: &str,
        environment: Environment,
    ) -> Result<EnvironmentRecord, ServiceError> {
        self.store().environment(client_uuid, environment).await?.ok_or(ServiceError::NotFound("environment"))
    }

    /// Appends an audit entry as part of the change `tx` writes (an entry of its own: in a transaction
    /// of its own, committed after it).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn audit_in(
        &self,
        tx: &mut StoreTx<'_>,
        actor: &Actor,
        action: &str,
        client_uuid: Option<&str>,
        environment: Option<Environment>,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        tx.append_audit(NewAuditEntry { actor: &actor.audit_name(), action, client_uuid, environment, detail }, now)
            .await?;
        Ok(())
    }
}

/// A client UUID as stored (UUIDs are case-insensitive, and every stored one is lower case and
/// hyphenated), or `None` for text that is no UUID and so names no client. Such text never reaches
/// the database, where it could not always even be compared (Postgres refuses text holding NUL).
pub(super) fn canonical_uuid(client_uuid: &str) -> Option<String> {
    uuid::Uuid::parse_str(client_uuid.trim()).ok().map(|u| u.hyphenated().to_string())
}

/// A type filter sorted and without repeats; an empty list is refused (it would send nothing).
fn normalise_types(types: Option<Vec<NotificationType>>) -> Result<Option<Vec<NotificationType>>, ServiceError> {
    let types = types.map(|mut t| {
        t.sort();
        t.dedup();
        t
    });
    if types.as_ref().is_some_and(Vec::is_empty) {
        return Err(ServiceError::validation(
            "types",
            "List at least one notification type, or send null to receive every type.",
        ));
    }
    Ok(types)
}

/// An activation needs somewhere to send to.
fn needs_notification_url(current: &EnvironmentRecord, environment: Environment) -> Result<(), ServiceError> {
    if current.notification_webhook_url.is_some() {
        return Ok(());
    }
    Err(ServiceError::Validation {
        code: "url_required",
        field: "notification_webhook_url".to_owned(),
        message: format!(
            "Set the {} Notification Webhook URL before activating the subscription.",
            environment.label()
        ),
    })
}

fn find(environments: &[EnvironmentRecord], environment: Environment) -> Result<&EnvironmentRecord, ServiceError> {
    environments.iter().find(|e| e.environment == environment).ok_or(ServiceError::NotFound("environment"))
}

/// A rate cap as typed: a whole number of deliveries per second from 1 to [`MAX_RATE_LIMIT`].
fn parse_rate(patch: Patch<String>, field: &str) -> Result<Patch<u32>, ServiceError> {
    Ok(match patch {
        Patch::Set(raw) => match raw.trim().parse::<u32>() {
            Ok(rate) if (1..=MAX_RATE_LIMIT).contains(&rate) => Patch::Set(rate),
            _ => {
                return Err(ServiceError::validation(
                    field,
                    format!(
                        "The delivery rate must be a whole number of deliveries per second from 1 to {MAX_RATE_LIMIT}, \
                         or empty for no limit."
                    ),
                ));
            }
        },
        Patch::Clear => Patch::Clear,
        Patch::Unchanged => Patch::Unchanged,
    })
}

fn same_as_data_url(environment: Environment) -> ServiceError {
    ServiceError::validation(
        "notification_webhook_url",
        format!(
            "The Notification Webhook URL must differ from every Data Webhook URL of this client: it equals the {} \
             Data Webhook URL.",
            environment.label()
        ),
    )
}
