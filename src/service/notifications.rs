//! Reading notifications, resending them, and sending test notifications.

use app::dto::{BulkResendReceipt, EventReceipt, NotificationDetail, NotificationQuery, NotificationSummary, Page};
use app::payload::example;
use app::timestamp::Timestamp;
use app::vocab::{AttemptTrigger, Environment, NotificationType, SubscriptionState};
use serde_json::json;

use super::views::{notification_detail, notification_summary};
use super::{Actor, ServiceError, Services};
use crate::store::{EndpointKey, NotificationFilter, NotificationRecord, new_id};

/// The page size when none is asked for, and the largest allowed.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;
/// How many failed notifications one bulk resend queues at most.
const BULK_RESEND_LIMIT: u32 = 10_000;

impl Services {
    /// A page of one client's notifications, newest first. A client account sees only its own client;
    /// staff and tokens must name the client.
    pub async fn list_notifications(
        &self,
        actor: &Actor,
        query: NotificationQuery,
    ) -> Result<Page<NotificationSummary>, ServiceError> {
        let client_uuid = match (&query.client_uuid, actor) {
            // A client account always lists its own client.
            (_, Actor::Client { client_uuid, .. }) => client_uuid.clone(),
            (Some(uuid), _) => super::clients::parse_client_uuid(uuid)?,
            (None, _) => {
                return Err(ServiceError::validation("client_uuid", "Name the client whose notifications to list."));
            }
        };
        self.visible_client(actor, &client_uuid).await?;
        let limit = query.limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(ServiceError::validation("limit", format!("limit is between 1 and {MAX_PAGE}.")));
        }
        if let Some(cursor) = &query.cursor
            && uuid::Uuid::parse_str(cursor).is_err()
        {
            return Err(ServiceError::validation("cursor", "This cursor is not one a previous page returned."));
        }
        if let (Some(since), Some(until)) = (query.since, query.until)
            && since >= until
        {
            return Err(ServiceError::validation("until", "until must be after since."));
        }
        let filter = NotificationFilter {
            client_uuid,
            environment: query.environment,
            kind: query.kind,
            category: query.category,
            status: query.status,
            user_id: query.user_id.filter(|u| !u.is_empty()),
            since: query.since,
            until: query.until,
        };
        let mut rows = self.store().list_notifications(&filter, query.cursor.as_deref(), limit + 1).await?;
        let next_cursor = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|n| n.id.clone())
        } else {
            None
        };
        Ok(Page { items: rows.iter().map(notification_summary).collect(), next_cursor })
    }

    /// A client's notifications recorded after the notification `after`, oldest first, matching the
    /// query's filters: what a live feed has not shown yet. The same authorisation as listing.
    pub async fn notifications_after(
        &self,
        actor: &Actor,
        query: &NotificationQuery,
        after: &str,
    ) -> Result<Vec<NotificationSummary>, ServiceError> {
        let client_uuid = match (&query.client_uuid, actor) {
            (_, Actor::Client { client_uuid, .. }) => client_uuid.clone(),
            (Some(uuid), _) => super::clients::parse_client_uuid(uuid)?,
            (None, _) => {
                return Err(ServiceError::validation("client_uuid", "Name the client whose notifications to follow."));
            }
        };
        self.visible_client(actor, &client_uuid).await?;
        let rows = self.store().notifications_after(&client_uuid, after, MAX_PAGE).await?;
        Ok(rows
            .iter()
            .filter(|n| {
                query.environment.is_none_or(|e| e == n.environment)
                    && query.kind.is_none_or(|k| k == n.kind)
                    && query.category.is_none_or(|c| c == n.category)
                    && query.status.is_none_or(|s| s == n.status)
                    && query.user_id.as_deref().is_none_or(|u| u.is_empty() || n.user_id.as_deref() == Some(u))
            })
            .map(notification_summary)
            .collect())
    }

    /// One notification with its payload and every attempt.
    pub async fn notification_detail(&self, actor: &Actor, id: &str) -> Result<NotificationDetail, ServiceError> {
        let notification = self.visible_notification(actor, id).await?;
        let attempts = self.store().attempts_of(&notification.id).await?;
        Ok(notification_detail(&notification, attempts))
    }

    /// Queues an immediate new attempt of one notification (history is kept: it is one more attempt).
    /// A success settles it as delivered and cancels its pending retries.
    pub async fn resend(&self, actor: &Actor, id: &str) -> Result<NotificationSummary, ServiceError> {
        let notification = self.visible_notification(actor, id).await?;
        self.require_subscribed(&notification.client_uuid, notification.environment).await?;
        let now = Timestamp::now();
        self.store().schedule_resend(&notification.id, AttemptTrigger::Resend, &actor.audit_name(), now).await?;
        self.wake_dispatcher();
        self.audit(
            actor,
            "notification.resent",
            Some(&notification.client_uuid),
            Some(notification.environment),
            json!({ "notification_id": notification.id }),
            now,
        )
        .await?;
        let updated =
            self.store().notification(&notification.id).await?.ok_or(ServiceError::NotFound("notification"))?;
        Ok(notification_summary(&updated))
    }

    /// Queues an immediate attempt of every failed notification of an environment created in
    /// `[since, until)` (up to 10,000 per call; `remaining` says how many are left).
    pub async fn resend_failed(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
        since: Timestamp,
        until: Option<Timestamp>,
    ) -> Result<BulkResendReceipt, ServiceError> {
        let (client, _) = self.visible_client(actor, client_uuid).await?;
        let now = Timestamp::now();
        let until = until.unwrap_or(now.plus_seconds(1));
        if since >= until {
            return Err(ServiceError::validation("until", "until must be after since."));
        }
        self.require_subscribed(&client.client_uuid, environment).await?;
        let endpoint = EndpointKey { client_uuid: client.client_uuid.clone(), environment };
        let (queued, remaining) = self
            .store()
            .schedule_resend_failed(&endpoint, since, until, &actor.audit_name(), BULK_RESEND_LIMIT, now)
            .await?;
        self.wake_dispatcher();
        self.audit(
            actor,
            "notification.bulk_resent",
            Some(&client.client_uuid),
            Some(environment),
            json!({ "since": since, "until": until, "queued": queued, "remaining": remaining }),
            now,
        )
        .await?;
        Ok(BulkResendReceipt { queued, remaining })
    }

    /// Sends a test notification: `subscription.test`, or an example of `kind` marked as a test.
    pub async fn send_test(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
        kind: Option<NotificationType>,
    ) -> Result<EventReceipt, ServiceError> {
        let (client, _) = self.visible_client(actor, client_uuid).await?;
        self.require_subscribed(&client.client_uuid, environment).await?;
        let now = Timestamp::now();
        let mut payload = example(kind.unwrap_or(NotificationType::SubscriptionTest));
        payload.id = new_id();
        payload.client_uuid = client.client_uuid.clone();
        payload.environment = environment;
        payload.datetime = now;
        payload.test = true;
        let receipt = self.record_own_notification(&payload, AttemptTrigger::Test, Some(actor.audit_name())).await?;
        self.audit(
            actor,
            "notification.test_sent",
            Some(&client.client_uuid),
            Some(environment),
            json!({ "notification_id": receipt.notification_id, "type": payload.kind }),
            now,
        )
        .await?;
        Ok(receipt)
    }

    /// The notification, if the actor may see it; `NotFound` otherwise (never told apart).
    async fn visible_notification(&self, actor: &Actor, id: &str) -> Result<NotificationRecord, ServiceError> {
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(ServiceError::NotFound("notification"));
        }
        match self.store().notification(id).await? {
            Some(n) if actor.can_access_client(&n.client_uuid) => Ok(n),
            _ => Err(ServiceError::NotFound("notification")),
        }
    }

    /// `Conflict` unless the environment's subscription is active with a URL.
    async fn require_subscribed(&self, client_uuid: &str, environment: Environment) -> Result<(), ServiceError> {
        let env =
            self.store().environment(client_uuid, environment).await?.ok_or(ServiceError::NotFound("environment"))?;
        match (env.state, env.notification_webhook_url) {
            (SubscriptionState::Active, Some(_)) => Ok(()),
            (SubscriptionState::Disabled, _) => Err(ServiceError::Conflict {
                code: "endpoint_disabled",
                message: format!("The {} endpoint is disabled: re-enable it first.", environment.label()),
            }),
            _ => Err(ServiceError::Conflict {
                code: "not_subscribed",
                message: format!("The {} Notification Webhook subscription is not active.", environment.label()),
            }),
        }
    }
}
