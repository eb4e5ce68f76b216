//! The JSON body of a notification (docs/architecture.md, "Payload"): one type for every notification
//! type, its `details` holding the fields that type uses. The server builds bodies from these types and
//! the receiver guide's examples come from [`example`], so documentation and wire cannot disagree.

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;
use crate::vocab::{
    AttemptErrorKind, Category, DataType, Environment, ExtractionFailureReason, NotificationType, Pillar,
};

/// A notification as the receiver gets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NotificationPayload {
    /// The notification's id, also sent as `webhook-id`: stable across retries, for de-duplication.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: NotificationType,
    pub category: Category,
    pub client_uuid: String,
    pub environment: Environment,
    /// The client's end user the event is about (`null` for operational notifications).
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source: Option<String>,
    /// When the event happened (not when it was sent: delivery order is not guaranteed).
    pub datetime: Timestamp,
    /// Present and `true` only on test notifications sent from the dashboard or the API.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test: bool,
    pub details: Details,
}

/// Type-specific fields; those a type does not use are absent from the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Details {
    /// `extraction.failed`: why the extraction failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ExtractionFailureReason>,
    /// `extraction.failed`, `data_webhook.rejected`: the kind of document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<DataType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pillar: Option<Pillar>,
    /// A human-readable explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `data_webhook.rejected`: the rejected document's id, when ROOK gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<String>,
    /// `data_webhook.rejected`: the data delivery that was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_delivery_id: Option<String>,
    /// `data_webhook.rejected`: the status your Data Webhook answered (absent when it did not answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<u16>,
    /// `data_webhook.rejected`: the beginning of your Data Webhook's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_excerpt: Option<String>,
    /// `data_webhook.rejected`: what went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<AttemptErrorKind>,
    /// `data_webhook.rejected`: which attempt of the data delivery this was (1 = the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_number: Option<u32>,
    /// `data_webhook.rejected`: whether ROOK will try the document again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub will_retry: Option<bool>,
    /// `data_webhook.rejected`: when, if it will.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<Timestamp>,
}

impl NotificationPayload {
    /// The exact bytes sent (and stored once): compact JSON.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A realistic example of each type, for the receiver guide and for test notifications.
pub fn example(kind: NotificationType) -> NotificationPayload {
    let datetime: Timestamp = "2026-11-29T15:00:00.000Z".parse().unwrap_or(Timestamp::from_micros(0));
    let mut details = Details::default();
    let mut data_source = Some("Garmin".to_owned());
    let mut user_id = Some("user-8f14e45f".to_owned());
    match kind {
        NotificationType::UserCreated | NotificationType::UserDeleted => data_source = None,
        NotificationType::DataSourceLinked | NotificationType::DataSourceUnlinked => {}
        NotificationType::ExtractionFailed => {
            details.reason = Some(ExtractionFailureReason::CredentialsInvalid);
            details.data_type = Some(DataType::Summary);
            details.pillar = Some(Pillar::Sleep);
            details.message = Some("Garmin rejected the stored credentials; the user must link Garmin again.".into());
        }
        NotificationType::DataWebhookRejected => {
            details.data_type = Some(DataType::Summary);
            details.pillar = Some(Pillar::Physical);
            details.document_id = Some("doc-2026-11-29-physical".into());
            details.data_delivery_id = Some("0196f0c8-8c2a-7c4e-9a51-6b1f0d2c3e4f".into());
            details.response_status = Some(500);
            details.response_excerpt = Some("{\"error\":\"database unavailable\"}".into());
            details.error_kind = Some(AttemptErrorKind::HttpStatus);
            details.attempt_number = Some(1);
            details.will_retry = Some(true);
            details.next_attempt_at = "2026-11-29T17:00:00.000Z".parse().ok();
            details.message = Some("Your Data Webhook did not accept a physical summary.".into());
        }
        NotificationType::SubscriptionTest => {
            data_source = None;
            user_id = None;
            details.message = Some("This is a test notification from ROOK. Answer 2xx to acknowledge it.".into());
        }
    }
    NotificationPayload {
        id: "0196f0c8-8c2a-7c4e-9a51-6b1f0d2c3e4f".to_owned(),
        kind,
        category: kind.category(),
        client_uuid: "0190b7e2-4c1a-7b3e-9f00-00000000a001".to_owned(),
        environment: Environment::Production,
        user_id,
        data_source,
        datetime,
        test: kind == NotificationType::SubscriptionTest,
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_round_trips_and_names_its_category() {
        for kind in NotificationType::ALL {
            let example = example(*kind);
            let json: serde_json::Value = serde_json::from_slice(&example.to_body()).unwrap();
            assert_eq!(json["type"], kind.as_str());
            assert_eq!(json["category"], kind.category().as_str());
            assert_eq!(json["datetime"], "2026-11-29T15:00:00.000Z");
            let back: NotificationPayload = serde_json::from_value(json).unwrap();
            assert_eq!(back, example);
        }
    }

    #[test]
    fn unused_fields_are_absent_not_null() {
        let json: serde_json::Value =
            serde_json::from_slice(&example(NotificationType::UserCreated).to_body()).unwrap();
        assert_eq!(json["details"], serde_json::json!({}));
        assert!(json.get("data_source").is_none());
        assert!(json.get("test").is_none());
    }
}
