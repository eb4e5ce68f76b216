//! An environment's settings: URLs, the ROOK hash key, the subscription, and the signing secrets.

use app::dto::{ClientView, EnvironmentUpdate, SubscriptionView};
use app::timestamp::Timestamp;
use app::vocab::{Environment, NotificationType, SecretPurpose, SubscriptionState};
use serde_json::json;

use super::urls::{comparable, parse_webhook_url};
use super::views::{client_view, environment_view, subscription_view};
use super::{Actor, ServiceError, Services};
use crate::engine::signing::generate_secret;
use crate::store::{EndpointKey, EnvironmentRecord, NewAuditEntry};

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP_MICROS: i64 = 24 * 3600 * 1_000_000;
/// The longest ROOK hash key accepted.
const MAX_HASH_KEY_LEN: usize = 512;

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

/// What to change in an environment's settings.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentPatch {
    pub notification_webhook_url: Patch<String>,
    pub data_webhook_url: Patch<String>,
    pub rook_hash_key: Patch<String>,
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
        if !actor.is_staff() {
            return Err(if actor.can_access_client(client_uuid) {
                ServiceError::Forbidden
            } else {
                ServiceError::NotFound("client")
            });
        }
        let (client, environments) = self.visible_client(actor, client_uuid).await?;
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
        self.store()
            .set_environment_endpoints(
                client_uuid,
                environment,
                notification_url.as_deref(),
                data_url.as_deref(),
                hash_key.as_deref(),
                now,
            )
            .await?;
        self.audit(
            actor,
            "environment.updated",
            Some(client_uuid),
            Some(environment),
            json!({
                "notification_webhook_url": notification_url,
                "data_webhook_url": data_url,
                "rook_hash_key_set": hash_key.is_some(),
            }),
            now,
        )
        .await?;
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
        if !actor.is_staff() {
            return Err(if actor.can_access_client(client_uuid) {
                ServiceError::Forbidden
            } else {
                ServiceError::NotFound("client")
            });
        }
        if active {
            self.activate(actor, client_uuid, environment).await
        } else {
            self.deactivate(actor, client_uuid, environment).await
        }
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
        if !actor.is_staff() {
            return Err(if actor.can_access_client(client_uuid) {
                ServiceError::Forbidden
            } else {
                ServiceError::NotFound("client")
            });
        }
        let (client, _) = self.visible_client(actor, client_uuid).await?;
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
        let now = Timestamp::now();
        self.store().set_notification_types(&client.client_uuid, environment, types.as_deref(), now).await?;
        self.audit(
            actor,
            "subscription.types_set",
            Some(&client.client_uuid),
            Some(environment),
            json!({ "types": types }),
            now,
        )
        .await?;
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
        let (_, environments) = self.visible_client(actor, client_uuid).await?;
        if find(&environments, environment)?.state != SubscriptionState::Disabled {
            return Err(ServiceError::Conflict {
                code: "not_disabled",
                message: "This subscription is not disabled.".into(),
            });
        }
        self.activate(actor, client_uuid, environment).await
    }

    async fn activate(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
    ) -> Result<SubscriptionView, ServiceError> {
        let (_, environments) = self.visible_client(actor, client_uuid).await?;
        let current = find(&environments, environment)?;
        if current.notification_webhook_url.is_none() {
            return Err(ServiceError::Validation {
                code: "url_required",
                field: "notification_webhook_url".to_owned(),
                message: format!(
                    "Set the {} Notification Webhook URL before activating the subscription.",
                    environment.label()
                ),
            });
        }
        let now = Timestamp::now();
        let secret = self
            .store()
            .ensure_secret(client_uuid, environment, SecretPurpose::Notification, generate_secret, now)
            .await?;
        let was = current.state;
        if was != SubscriptionState::Active {
            self.store().set_subscription_state(client_uuid, environment, SubscriptionState::Active, None, now).await?;
        }
        let released = if was == SubscriptionState::Disabled {
            let endpoint = EndpointKey { client_uuid: client_uuid.to_owned(), environment };
            let released = self.store().release_held(&endpoint, now).await?;
            self.wake_dispatcher();
            released
        } else {
            0
        };
        let action =
            if was == SubscriptionState::Disabled { "subscription.reenabled" } else { "subscription.activated" };
        if was != SubscriptionState::Active {
            self.audit(actor, action, Some(client_uuid), Some(environment), json!({ "released_held": released }), now)
                .await?;
        }
        let record = self.environment_record(client_uuid, environment).await?;
        Ok(subscription_view(&record, Some(secret)))
    }

    async fn deactivate(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
    ) -> Result<SubscriptionView, ServiceError> {
        let (_, environments) = self.visible_client(actor, client_uuid).await?;
        let current = find(&environments, environment)?;
        let now = Timestamp::now();
        if current.state != SubscriptionState::Inactive {
            self.store()
                .set_subscription_state(client_uuid, environment, SubscriptionState::Inactive, None, now)
                .await?;
            let endpoint = EndpointKey { client_uuid: client_uuid.to_owned(), environment };
            let stopped = self.store().stop_waiting(&endpoint, now).await?;
            self.audit(
                actor,
                "subscription.deactivated",
                Some(client_uuid),
                Some(environment),
                json!({ "stopped": stopped }),
                now,
            )
            .await?;
        }
        let record = self.environment_record(client_uuid, environment).await?;
        Ok(subscription_view(&record, None))
    }

    /// Replaces a signing secret (staff, or the client for its own); the old one keeps signing for 24 h.
    pub async fn rotate_secret(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
    ) -> Result<String, ServiceError> {
        self.visible_client(actor, client_uuid).await?;
        let now = Timestamp::now();
        let secret = generate_secret();
        self.store().rotate_secret(client_uuid, environment, purpose, &secret, ROTATION_OVERLAP_MICROS, now).await?;
        self.audit(
            actor,
            "secret.rotated",
            Some(client_uuid),
            Some(environment),
            json!({ "purpose": purpose.as_str() }),
            now,
        )
        .await?;
        Ok(secret)
    }

    /// Shows a signing secret (staff, or the client for its own), creating it if absent. Every reveal
    /// is written to the audit log.
    pub async fn reveal_secret(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
        purpose: SecretPurpose,
    ) -> Result<String, ServiceError> {
        self.visible_client(actor, client_uuid).await?;
        let now = Timestamp::now();
        let secret = self.store().ensure_secret(client_uuid, environment, purpose, generate_secret, now).await?;
        self.audit(
            actor,
            "secret.revealed",
            Some(client_uuid),
            Some(environment),
            json!({ "purpose": purpose.as_str() }),
            now,
        )
        .await?;
        Ok(secret)
    }

    /// The client and its environments, or `NotFound` when it does not exist or the actor may not see
    /// it (the two are never told apart).
    pub(super) async fn visible_client(
        &self,
        actor: &Actor,
        client_uuid: &str,
    ) -> Result<(crate::store::ClientRecord, Vec<EnvironmentRecord>), ServiceError> {
        let client_uuid = client_uuid.trim().to_ascii_lowercase();
        if !actor.can_access_client(&client_uuid) {
            return Err(ServiceError::NotFound("client"));
        }
        let client = self.store().client(&client_uuid).await?.ok_or(ServiceError::NotFound("client"))?;
        let environments = self.store().environments_of(std::slice::from_ref(&client.client_uuid)).await?;
        Ok((client, environments))
    }

    async fn environment_record(
        &self,
        client_uuid: &str,
        environment: Environment,
    ) -> Result<EnvironmentRecord, ServiceError> {
        self.store().environment(client_uuid, environment).await?.ok_or(ServiceError::NotFound("environment"))
    }

    pub(super) async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        client_uuid: Option<&str>,
        environment: Option<Environment>,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.store()
            .append_audit(NewAuditEntry { actor: &actor.audit_name(), action, client_uuid, environment, detail }, now)
            .await?;
        Ok(())
    }
}

fn find(environments: &[EnvironmentRecord], environment: Environment) -> Result<&EnvironmentRecord, ServiceError> {
    environments.iter().find(|e| e.environment == environment).ok_or(ServiceError::NotFound("environment"))
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
