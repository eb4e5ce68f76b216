//! Reading notifications, resending them, and sending test notifications.

use app::dto::{EventReceipt, NotificationDetail, NotificationQuery, NotificationSummary, Page};
use app::payload::example;
use app::timestamp::Timestamp;
use app::vocab::{AttemptTrigger, Environment, NotificationType, SubscriptionState};
use serde_json::json;

use super::paging::{DeliveryListScope, PageRequest, text_filter};
use super::views::{notification_detail, notification_summary};
use super::{Actor, ServiceError, Services};
use crate::store::{Channel, NotificationFilter, NotificationRecord, Position, new_id};

impl Services {
    /// A page of one client's notifications: newest first, or with `after` oldest first in commit
    /// order after that notification (how a receiver catches up). A client account sees only its own
    /// client; staff and tokens must name the client.
    pub async fn list_notifications(
        &self,
        actor: &Actor,
        query: NotificationQuery,
    ) -> Result<Page<NotificationSummary>, ServiceError> {
        let (page, rows) = self.notification_rows(actor, query, None).await?;
        Ok(page.page(rows, |n| &n.id, notification_summary))
    }

    /// Where a live feed of `query`'s client starts in commit order: after the notification `after`
    /// (the newest one the page shows, or the last one the feed sent), or without one after the
    /// latest one committed so far. Checks the query and the actor as the list does.
    pub async fn notification_feed_start(
        &self,
        actor: &Actor,
        query: &NotificationQuery,
        after: Option<&str>,
    ) -> Result<i64, ServiceError> {
        let query = NotificationQuery { after: after.map(str::to_owned), cursor: None, ..query.clone() };
        let DeliveryListScope { client_uuid, page, .. } =
            self.delivery_list_scope(actor, &query, "notifications to follow").await?;
        match page.position {
            Position::After(seq) => Ok(seq),
            Position::Before(_) => Ok(self.store().latest_seq(Channel::Notification, &client_uuid).await?),
        }
    }

    /// The notifications matching `query` committed after `seq` (a place in commit order), oldest
    /// first, at most the query's limit, each with its own place: what a live feed sends next. The
    /// query's `cursor` and `after` are not used.
    pub async fn notifications_committed_after(
        &self,
        actor: &Actor,
        query: NotificationQuery,
        seq: i64,
    ) -> Result<Vec<(i64, NotificationSummary)>, ServiceError> {
        let query = NotificationQuery { cursor: None, after: None, ..query };
        let (_, rows) = self.notification_rows(actor, query, Some(seq)).await?;
        Ok(rows.iter().map(|n| (n.seq, notification_summary(n))).collect())
    }

    /// The rows of a page of notifications, after `seq` in commit order when given (the query's own
    /// position otherwise), and the page they were read for.
    async fn notification_rows(
        &self,
        actor: &Actor,
        query: NotificationQuery,
        seq: Option<i64>,
    ) -> Result<(PageRequest, Vec<NotificationRecord>), ServiceError> {
        let DeliveryListScope { client_uuid, environment, mut page } =
            self.delivery_list_scope(actor, &query, "notifications to list").await?;
        if let Some(seq) = seq {
            page.position = Position::After(seq);
        }
        let filter = NotificationFilter {
            client_uuid,
            environment,
            kind: query.kind,
            category: query.category,
            status: query.status,
            user_id: text_filter("user_id", query.user_id.as_deref())?,
            data_source: text_filter("data_source", query.data_source.as_deref())?,
            since: page.since,
            until: page.until,
        };
        let rows = self.store().list_notifications(&filter, &page.position, page.fetch()).await?;
        Ok((page, rows))
    }

    /// One notification with its payload and every attempt.
    pub async fn notification_detail(&self, actor: &Actor, id: &str) -> Result<NotificationDetail, ServiceError> {
        let notification = self.visible_notification(actor, id).await?;
        let attempts = self.store().attempts_of(&notification.id).await?;
        let mut detail = notification_detail(&notification, attempts);
        // A rejection notice shows the rejected delivery as it is now: a later acceptance shows here.
        let rejected =
            detail.payload.as_ref().and_then(|p| p["details"]["data_delivery_id"].as_str()).map(str::to_owned);
        if let Some(data_delivery_id) = rejected
            && let Some(delivery) = self.store().data_delivery(&data_delivery_id).await?
            && delivery.client_uuid == notification.client_uuid
        {
            detail.data_delivery = Some(self.data_delivery_detail_of(&delivery).await?);
        }
        Ok(detail)
    }

    /// A notification's body exactly as stored and sent (`None` once purged by retention), for
    /// replaying it byte for byte: a re-serialised payload would not match its signature.
    pub async fn notification_body(&self, actor: &Actor, id: &str) -> Result<Option<String>, ServiceError> {
        let notification = self.visible_notification(actor, id).await?;
        Ok(notification.body.map(|body| String::from_utf8_lossy(&body).into_owned()))
    }

    /// Queues an immediate new attempt of one notification (history is kept: it is one more attempt).
    /// A success settles it as delivered and cancels its pending retries. 409 `payload_purged` once
    /// retention removed its payload: there is nothing left to send.
    pub async fn resend(&self, actor: &Actor, id: &str) -> Result<NotificationSummary, ServiceError> {
        actor.require_write()?;
        let notification = self.visible_notification(actor, id).await?;
        if notification.body.is_none() {
            return Err(payload_purged());
        }
        self.require_subscribed(&notification.client_uuid, notification.environment).await?;
        let now = Timestamp::now();
        // The store checks the payload again: retention may have purged it since it was read.
        if !self.store().schedule_resend(&notification.id, AttemptTrigger::Resend, &actor.audit_name(), now).await? {
            return Err(payload_purged());
        }
        let detail = json!({ "notification_id": notification.id });
        let endpoint = (notification.client_uuid.as_str(), notification.environment);
        self.resent(actor, "notification.resent", endpoint, detail, now).await?;
        let updated =
            self.store().notification(&notification.id).await?.ok_or(ServiceError::NotFound("notification"))?;
        Ok(notification_summary(&updated))
    }

    /// Sends a test notification: `subscription.test`, or an example of `kind` marked as a test.
    pub async fn send_test(
        &self,
        actor: &Actor,
        client_uuid: &str,
        environment: Environment,
        kind: Option<NotificationType>,
    ) -> Result<EventReceipt, ServiceError> {
        actor.require_write()?;
        let (client, _) = self.visible_environment(actor, client_uuid, environment).await?;
        self.require_subscribed(&client.client_uuid, environment).await?;
        let now = Timestamp::now();
        let mut payload = example(kind.unwrap_or(NotificationType::SubscriptionTest));
        payload.id = new_id();
        payload.client_uuid = client.client_uuid.clone();
        payload.environment = environment;
        payload.datetime = now;
        payload.test = true;
        let receipt = self.record_own_notification(&payload, AttemptTrigger::Test, Some(actor.audit_name())).await?;
        let detail = json!({ "notification_id": receipt.notification_id, "type": payload.kind });
        let mut tx = self.store().begin().await?;
        self.audit_in(
            &mut tx,
            actor,
            "notification.test_sent",
            Some(&client.client_uuid),
            Some(environment),
            detail,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(receipt)
    }

    /// The notification, if the actor may see it; `NotFound` otherwise (never told apart).
    async fn visible_notification(&self, actor: &Actor, id: &str) -> Result<NotificationRecord, ServiceError> {
        actor
            .visible_item("notification", id, |id| self.store().notification(id), |n| (&n.client_uuid, n.environment))
            .await
    }

    /// `Conflict` unless the environment's subscription is active with a URL.
    pub(super) async fn require_subscribed(
        &self,
        client_uuid: &str,
        environment: Environment,
    ) -> Result<(), ServiceError> {
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

/// The refusal of a resend whose payload retention removed.
fn payload_purged() -> ServiceError {
    ServiceError::Conflict {
        code: "payload_purged",
        message: "This notification's payload was removed by retention; it cannot be sent again.".into(),
    }
}
