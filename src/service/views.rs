//! How stored records are shown: the shared DTOs of the `app` crate, built in one place for the API
//! and the dashboard alike.

use app::dto::{
    AttemptView, ClientView, DataDeliverySummary, EnvironmentView, NotificationDetail, NotificationSummary,
    SubscriptionView,
};
use app::vocab::{ExtractionFailureReason, SubscriptionState};

use crate::store::{ClientRecord, DataDeliveryRecord, EnvironmentRecord, NotificationRecord};

pub(crate) fn subscription_view(env: &EnvironmentRecord, secret: Option<String>) -> SubscriptionView {
    SubscriptionView {
        active: env.state == SubscriptionState::Active,
        state: env.state,
        disabled_reason: env.disabled_reason,
        since: env.state_since,
        types: env.notification_types.clone(),
        secret,
    }
}

pub(crate) fn environment_view(env: &EnvironmentRecord) -> EnvironmentView {
    EnvironmentView {
        environment: env.environment,
        notification_webhook_url: env.notification_webhook_url.clone(),
        data_webhook_url: env.data_webhook_url.clone(),
        rook_hash_key_set: env.rook_hash_key.is_some(),
        subscription: subscription_view(env, None),
        consecutive_failures: env.consecutive_failures,
        failing_since: env.failing_since,
        last_success_at: env.last_success_at,
        notification_rate_limit: env.notification_rate_limit,
        data_rate_limit: env.data_rate_limit,
    }
}

pub(crate) fn client_view(client: ClientRecord, environments: &[EnvironmentRecord]) -> ClientView {
    ClientView {
        environments: environments
            .iter()
            .filter(|e| e.client_uuid == client.client_uuid)
            .map(environment_view)
            .collect(),
        client_uuid: client.client_uuid,
        name: client.name,
        created_at: client.created_at,
    }
}

pub(crate) fn notification_summary(n: &NotificationRecord) -> NotificationSummary {
    NotificationSummary {
        id: n.id.clone(),
        kind: n.kind,
        category: n.category,
        client_uuid: n.client_uuid.clone(),
        environment: n.environment,
        user_id: n.user_id.clone(),
        data_source: n.data_source.clone(),
        datetime: n.occurred_at,
        created_at: n.created_at,
        status: n.status,
        test: n.is_test,
        reason: n.body.as_deref().and_then(stated_reason),
        progress: n.progress,
        payload_purged: n.body.is_none(),
    }
}

pub(crate) fn notification_detail(n: &NotificationRecord, attempts: Vec<AttemptView>) -> NotificationDetail {
    NotificationDetail {
        summary: notification_summary(n),
        payload: n.body.as_deref().and_then(|b| serde_json::from_slice(b).ok()),
        attempts,
        data_delivery: None,
    }
}

pub(crate) fn data_delivery_summary(d: &DataDeliveryRecord) -> DataDeliverySummary {
    DataDeliverySummary {
        id: d.id.clone(),
        client_uuid: d.client_uuid.clone(),
        environment: d.environment,
        user_id: d.user_id.clone(),
        data_type: d.data_type,
        pillar: d.pillar,
        document_id: d.document_id.clone(),
        created_at: d.created_at,
        status: d.status,
        progress: d.progress,
        payload_purged: d.body_purged_at.is_some(),
        rejected_notification_id: d.rejected_notification_id.clone(),
    }
}

/// The `details.reason` of a stored notification body (`extraction.failed` only), read with the
/// payload's own type.
fn stated_reason(body: &[u8]) -> Option<ExtractionFailureReason> {
    serde_json::from_slice::<app::payload::NotificationPayload>(body).ok()?.details.reason
}
