//! What the dashboard's server functions send to the pages: plain data, no behaviour.

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;
use crate::vocab::{
    AttemptErrorKind, AttemptTrigger, Category, DisabledReason, Environment, NotificationStatus, NotificationType,
    Role, SubscriptionState,
};

/// The signed-in person, as the server resolved them from the session for this request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub account_id: String,
    pub email: String,
    pub role: Role,
    /// The client a client account belongs to; `None` for staff.
    pub client_uuid: Option<String>,
}

impl Viewer {
    /// Whether this is a ROOK staff account.
    pub fn is_staff(&self) -> bool {
        self.role == Role::Staff
    }
}

/// One environment of a client, as the overview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentStatus {
    pub environment: Environment,
    pub state: SubscriptionState,
    pub disabled_reason: Option<DisabledReason>,
    /// Since when `state` holds.
    pub since: Timestamp,
    pub notification_webhook_url: Option<String>,
    pub data_webhook_url: Option<String>,
}

/// A client with both of its environments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientOverview {
    pub client_uuid: String,
    pub name: String,
    pub environments: Vec<EnvironmentStatus>,
}

/// A client with both environments' settings, as the API and the staff pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientView {
    pub client_uuid: String,
    pub name: String,
    pub created_at: Timestamp,
    pub environments: Vec<EnvironmentView>,
}

/// One environment's settings and subscription. Secrets are never part of this view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentView {
    pub environment: Environment,
    pub notification_webhook_url: Option<String>,
    pub data_webhook_url: Option<String>,
    /// Whether a ROOK hash key is set (its value is not shown).
    pub rook_hash_key_set: bool,
    pub subscription: SubscriptionView,
}

/// An environment's Notification Webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    pub active: bool,
    pub state: SubscriptionState,
    pub disabled_reason: Option<DisabledReason>,
    pub since: Timestamp,
    /// The notification signing secret: only in answers to activating a subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The answer to changing an environment: its new settings and anything worth a second look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentUpdate {
    #[serde(flatten)]
    pub environment: EnvironmentView,
    pub warnings: Vec<String>,
}

/// A notification as listed (its payload only in [`NotificationDetail`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSummary {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: NotificationType,
    pub category: Category,
    pub client_uuid: String,
    pub environment: Environment,
    pub user_id: Option<String>,
    pub data_source: Option<String>,
    /// When the event happened (the payload's `datetime`).
    pub datetime: Timestamp,
    /// When rook-notify recorded it.
    pub created_at: Timestamp,
    pub status: NotificationStatus,
    pub test: bool,
    pub attempt_count: u32,
    pub next_attempt_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub last_error_kind: Option<AttemptErrorKind>,
}

/// A notification with its payload and every attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationDetail {
    #[serde(flatten)]
    pub summary: NotificationSummary,
    /// The JSON body exactly as sent (`null` once purged by retention).
    pub payload: Option<serde_json::Value>,
    pub attempts: Vec<AttemptView>,
}

/// One delivery attempt, everything recorded about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub id: String,
    pub attempt_number: u32,
    pub trigger: AttemptTrigger,
    pub triggered_by: Option<String>,
    pub started_at: Timestamp,
    pub duration_ms: u64,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub response_status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    pub response_truncated: bool,
    pub error_kind: Option<AttemptErrorKind>,
    pub error_message: Option<String>,
    pub succeeded: bool,
}

/// One page of a keyset-paginated list, newest first. `next_cursor` fetches the following page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The answer to recording a platform event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventReceipt {
    pub notification_id: String,
    pub status: NotificationStatus,
}

/// The answer to a bulk resend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkResendReceipt {
    /// How many failed notifications were queued for an immediate attempt.
    pub queued: u64,
    /// How many failed ones in the range are still not queued (call again to queue them).
    pub remaining: u64,
}
