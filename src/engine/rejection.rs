//! "Rejected information": when the client's Data Webhook does not accept a data delivery, a
//! `data_webhook.rejected` notification tells them — at the first rejection and again at the final
//! failure — through the Notification Webhook.

use app::payload::{Details, NotificationPayload};
use app::timestamp::Timestamp;
use app::vocab::{AttemptTrigger, NotificationStatus, NotificationType};

use super::delivery_client::AttemptOutcome;
use crate::store::{ClaimedDelivery, NewNotification, NextState, RejectionNotice, new_id};

/// How much of the Data Webhook's answer a notice quotes.
const EXCERPT_CHARS: usize = 500;

/// The notice a rejected attempt of a data delivery causes, if any: at its first rejection, and when
/// it has just failed for good (not again on failed manual resends of a failed delivery).
pub fn notice_for(
    delivery: &ClaimedDelivery,
    outcome: &AttemptOutcome,
    next: &NextState,
    attempt_number: u32,
    now: Timestamp,
) -> Option<RejectionNotice> {
    let data = delivery.data.as_ref()?;
    if outcome.succeeded() {
        return None;
    }
    let first = !data.rejection_notified;
    let just_failed = next.status == NotificationStatus::Failed && delivery.status != NotificationStatus::Failed;
    if !first && !just_failed {
        return None;
    }
    let will_retry = matches!(next.status, NotificationStatus::Retrying | NotificationStatus::Pending);
    let what = format!("{} {}", data.pillar, data.data_type);
    let message = match (will_retry, next.next_attempt_at) {
        (true, Some(at)) => format!(
            "Your Data Webhook did not accept a {what} (attempt {attempt_number}); ROOK will try again at {at}."
        ),
        _ => format!("Your Data Webhook did not accept a {what} (attempt {attempt_number}); ROOK will not retry it."),
    };
    let payload = NotificationPayload {
        id: new_id(),
        kind: NotificationType::DataWebhookRejected,
        category: NotificationType::DataWebhookRejected.category(),
        client_uuid: delivery.endpoint.client_uuid.clone(),
        environment: delivery.endpoint.environment,
        user_id: delivery.user_id.clone(),
        data_source: None,
        datetime: now,
        test: false,
        details: Details {
            data_type: Some(data.data_type),
            pillar: Some(data.pillar),
            message: Some(message),
            document_id: data.document_id.clone(),
            data_delivery_id: Some(delivery.id.clone()),
            response_status: outcome.status,
            response_excerpt: outcome
                .status
                .map(|_| outcome.body_excerpt.chars().take(EXCERPT_CHARS).collect::<String>())
                .filter(|e| !e.is_empty()),
            error_kind: Some(outcome.error.as_ref().map_or(app::vocab::AttemptErrorKind::HttpStatus, |e| e.kind)),
            attempt_number: Some(attempt_number),
            will_retry: Some(will_retry),
            next_attempt_at: if will_retry { next.next_attempt_at } else { None },
            ..Details::default()
        },
    };
    Some(RejectionNotice {
        first,
        notification: NewNotification {
            id: payload.id.clone(),
            client_uuid: payload.client_uuid.clone(),
            environment: payload.environment,
            kind: payload.kind,
            user_id: payload.user_id.clone(),
            data_source: None,
            occurred_at: now,
            is_test: false,
            body: payload.to_body(),
            trigger: AttemptTrigger::Schedule,
            triggered_by: None,
        },
    })
}
