//! What the dashboard's server functions send to the pages: plain data, no behaviour.

use serde::{Deserialize, Serialize};

use crate::query::TimeBound;
use crate::timestamp::Timestamp;
use crate::vocab::{
    AttemptErrorKind, AttemptTrigger, Category, DataDeliveryStatus, DataType, DisabledReason, Environment,
    ExtractionFailureReason, KeyAccess, NotificationStatus, NotificationType, Pillar, Role, SubscriptionState,
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

/// A client with both environments' settings, as the API and the staff pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClientView {
    pub client_uuid: String,
    pub name: String,
    pub created_at: Timestamp,
    pub environments: Vec<EnvironmentView>,
}

/// One environment's settings and subscription. Secrets are never part of this view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnvironmentView {
    pub environment: Environment,
    pub notification_webhook_url: Option<String>,
    pub data_webhook_url: Option<String>,
    /// Whether a ROOK hash key is set (its value is not shown).
    pub rook_hash_key_set: bool,
    pub subscription: SubscriptionView,
    /// Attempts to the Notification Webhook URL that failed since its last success (0: the last one
    /// succeeded, or none was made).
    #[serde(default)]
    pub consecutive_failures: u32,
    /// When the first of those failures happened.
    #[serde(default)]
    pub failing_since: Option<Timestamp>,
    /// The last successful attempt to it, if any.
    #[serde(default)]
    pub last_success_at: Option<Timestamp>,
    /// The most deliveries per second ROOK sends to the Notification Webhook URL (`None`: no limit).
    #[serde(default)]
    pub notification_rate_limit: Option<u32>,
    /// The most deliveries per second ROOK sends to the Data Webhook URL (`None`: no limit).
    #[serde(default)]
    pub data_rate_limit: Option<u32>,
}

/// An environment's Notification Webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriptionView {
    pub active: bool,
    pub state: SubscriptionState,
    pub disabled_reason: Option<DisabledReason>,
    pub since: Timestamp,
    /// The notification types the subscription wants; `None` wants every type. Others are recorded as
    /// `filtered` and never sent.
    #[serde(default)]
    pub types: Option<Vec<NotificationType>>,
    /// The notification signing secret: only in answers to activating a subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The answer to changing an environment: its new settings and anything worth a second look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnvironmentUpdate {
    #[serde(flatten)]
    pub environment: EnvironmentView,
    pub warnings: Vec<String>,
}

/// A notification as listed (its payload only in [`NotificationDetail`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    /// `extraction.failed`: why (see the receiver guide's table of reasons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ExtractionFailureReason>,
    #[serde(flatten)]
    pub progress: DeliveryProgress,
    /// The payload was removed by retention (the record and attempts stay; it can no longer be resent).
    pub payload_purged: bool,
}

/// How far sending a notification or a data document has come: its list rows and its store records
/// both carry it (on the wire its fields sit beside the others).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliveryProgress {
    pub attempt_count: u32,
    pub next_attempt_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub last_error_kind: Option<AttemptErrorKind>,
    /// The HTTP status the newest attempt was answered with (none when it got no answer, or before the
    /// first attempt).
    pub last_http_status: Option<u16>,
}

/// A notification with its payload and every attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NotificationDetail {
    #[serde(flatten)]
    pub summary: NotificationSummary,
    /// The JSON body exactly as sent (`null` once purged by retention).
    pub payload: Option<serde_json::Value>,
    pub attempts: Vec<AttemptView>,
    /// For `data_webhook.rejected`: the rejected data delivery as it is now (a later acceptance on
    /// resend shows here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_delivery: Option<DataDeliveryDetail>,
}

/// One delivery attempt, everything recorded about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The answer to recording a platform event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventReceipt {
    pub notification_id: String,
    pub status: NotificationStatus,
}

/// What to do with a signing secret; either is written to the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecretAction {
    /// Show it, creating it when there is none yet.
    Reveal,
    /// Replace it; the old one keeps signing for 24 hours.
    Rotate,
}

/// What a bulk resend queues again: the API, the dashboard and the service name it the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkResend {
    /// The failed notifications (only while the subscription is active).
    FailedNotifications,
    /// The data deliveries the Data Webhook rejected, for good or so far.
    RejectedData,
}

/// The answer to a bulk resend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkResendReceipt {
    /// How many failed notifications were queued for an immediate attempt.
    pub queued: u64,
    /// How many failed ones in the range are still not queued (call again to queue them).
    pub remaining: u64,
}

/// Which notifications to list, as the API, the feed page and the live feed read it from the query
/// string (see [`crate::query`]): every filter is optional. Pages go newest first, `cursor` being the
/// `next_cursor` of the previous page; with `after` (a notification's id) the list is instead what was
/// recorded after that notification, oldest first — how a live feed or a catching-up receiver
/// continues. Without `client_uuid` a client account lists its own client; naming another one is
/// `NotFound`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct NotificationQuery {
    /// The client (API tokens and staff must name one).
    pub client_uuid: Option<String>,
    pub environment: Option<Environment>,
    #[serde(rename = "type")]
    pub kind: Option<NotificationType>,
    pub category: Option<Category>,
    pub status: Option<NotificationStatus>,
    /// The client's end user.
    pub user_id: Option<String>,
    /// The data source the notification is about (`oura`, `garmin`, …).
    pub data_source: Option<String>,
    /// Recorded at or after this time: a day (`2026-11-29`, from its start, UTC) or an RFC 3339 instant.
    #[cfg_attr(feature = "ssr", param(value_type = Option<String>))]
    pub since: Option<TimeBound>,
    /// Recorded before this time: a day (`2026-11-29`, that day included, UTC) or an RFC 3339 instant.
    #[cfg_attr(feature = "ssr", param(value_type = Option<String>))]
    pub until: Option<TimeBound>,
    /// How many per page: 1 to 200, 50 when absent.
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// A notification's id (one a list returned): list what was recorded after it, oldest first in the
    /// order the records were committed, so nothing committed later is skipped (not with `cursor`).
    pub after: Option<String>,
}

/// How many notifications of one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCount {
    pub status: NotificationStatus,
    pub count: u64,
}

/// One hour of delivery attempts, from the engine's hourly roll-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourlyStat {
    /// The start of the hour.
    pub hour: Timestamp,
    pub succeeded: u64,
    pub failed: u64,
    pub avg_latency_ms: f64,
    pub max_latency_ms: f64,
}

/// One environment on a client's overview: its settings, last day's counts and last week's chart data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentHealth {
    pub environment: EnvironmentView,
    /// Notifications recorded in the last 24 hours, by status (every status, zeros included).
    pub counts_24h: Vec<StatusCount>,
    /// Where those 24 hours start (the feed's `since` for the same figures).
    pub counts_since: Timestamp,
    /// The last 7 days, hour by hour (hours without attempts included, as zeros).
    pub hourly: Vec<HourlyStat>,
}

/// A client's overview page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientDashboard {
    pub client_uuid: String,
    pub name: String,
    pub environments: Vec<EnvironmentHealth>,
    /// The client's recent operational alerts, newest first.
    #[serde(default)]
    pub alerts: Vec<AlertView>,
}

/// An endpoint (one environment of one client) as the staff's health page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointHealth {
    pub client_uuid: String,
    pub client_name: String,
    pub environment: Environment,
    pub notification_webhook_url: Option<String>,
    pub state: SubscriptionState,
    pub disabled_reason: Option<DisabledReason>,
    pub state_since: Timestamp,
    pub failing_since: Option<Timestamp>,
    pub consecutive_failures: u32,
    pub last_success_at: Option<Timestamp>,
}

/// The staff's delivery health page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryHealth {
    /// Active endpoints whose last attempts failed.
    pub failing: Vec<EndpointHealth>,
    pub disabled: Vec<EndpointHealth>,
    /// Notifications due now or scheduled for a retry.
    pub queue_depth: u64,
    /// How long the oldest due notification has waited, in seconds.
    pub oldest_due_age_secs: Option<u64>,
    /// The last 24 hours, all clients together, hour by hour.
    pub hourly: Vec<HourlyStat>,
    /// Recent operational alerts of every client, newest first.
    #[serde(default)]
    pub alerts: Vec<AlertView>,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntryView {
    pub id: String,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub client_uuid: Option<String>,
    /// The client's name, for people to read (the UUID stays for links and programs).
    pub client_name: Option<String>,
    pub environment: Option<String>,
    pub detail: serde_json::Value,
}

/// Which audit entries to list, read from the query string like [`NotificationQuery`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AuditQuery {
    /// Only this client's entries (a client account always sees only its own).
    pub client_uuid: Option<String>,
    /// Only entries whose action starts with this (e.g. `subscription.` or `secret.revealed`).
    pub action: Option<String>,
    /// How many per page: 1 to 200, 50 when absent.
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Which clients to list (staff), read from the query string like [`NotificationQuery`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ClientQuery {
    /// Clients whose name contains this, or whose UUID starts with it.
    pub q: Option<String>,
}

/// A change to an environment from the staff's form: `None` leaves a field as it is, an empty string
/// clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentChange {
    pub notification_webhook_url: Option<String>,
    pub data_webhook_url: Option<String>,
    pub rook_hash_key: Option<String>,
    /// Deliveries per second, as typed.
    #[serde(default)]
    pub notification_rate_limit: Option<String>,
    /// Deliveries per second, as typed.
    #[serde(default)]
    pub data_rate_limit: Option<String>,
}

/// A new client account's sign-in: the password is shown once and never stored in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccountCredentials {
    pub email: String,
    pub password: String,
}

/// A dashboard account as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub email: String,
    pub role: Role,
    pub client_uuid: Option<String>,
    pub created_at: Timestamp,
}

/// A Data Webhook delivery as listed (its payload only in [`DataDeliveryDetail`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DataDeliverySummary {
    pub id: String,
    pub client_uuid: String,
    pub environment: Environment,
    pub user_id: String,
    pub data_type: DataType,
    pub pillar: Pillar,
    pub document_id: Option<String>,
    pub created_at: Timestamp,
    pub status: DataDeliveryStatus,
    #[serde(flatten)]
    pub progress: DeliveryProgress,
    /// The payload was removed by retention (the record and attempts stay).
    pub payload_purged: bool,
    /// The `data_webhook.rejected` notification sent at its first rejection.
    pub rejected_notification_id: Option<String>,
}

/// A data delivery with its payload and every attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DataDeliveryDetail {
    #[serde(flatten)]
    pub summary: DataDeliverySummary,
    /// The document exactly as handed over (`null` once purged).
    pub payload: Option<serde_json::Value>,
    pub attempts: Vec<AttemptView>,
}

/// Which data deliveries to list, read from the query string like [`NotificationQuery`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct DataDeliveryQuery {
    /// The client (API tokens and staff must name one).
    pub client_uuid: Option<String>,
    pub environment: Option<Environment>,
    pub status: Option<DataDeliveryStatus>,
    /// The client's end user.
    pub user_id: Option<String>,
    /// Handed over at or after this time: a day (from its start, UTC) or an RFC 3339 instant.
    #[cfg_attr(feature = "ssr", param(value_type = Option<String>))]
    pub since: Option<TimeBound>,
    /// Handed over before this time: a day (that day included, UTC) or an RFC 3339 instant.
    #[cfg_attr(feature = "ssr", param(value_type = Option<String>))]
    pub until: Option<TimeBound>,
    /// How many per page: 1 to 200, 50 when absent.
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// A data delivery's id (one a list returned): list what was handed over after it, oldest first in
    /// the order the records were committed (not with `cursor`).
    pub after: Option<String>,
}

/// The answer to handing over a data delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DataDeliveryReceipt {
    pub id: String,
    pub status: DataDeliveryStatus,
}

/// An operational alert about an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: String,
    pub client_uuid: String,
    /// The client's name, for people to read.
    pub client_name: String,
    pub environment: Environment,
    pub kind: crate::vocab::AlertKind,
    pub at: Timestamp,
    /// What led to it: failure count, since when, the reason of a disabling.
    pub detail: serde_json::Value,
}

/// A client API key as it is listed (never the key itself: only its digest is stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClientKeyView {
    pub id: String,
    pub client_uuid: String,
    pub name: String,
    /// The one environment the key reaches; `null`: both.
    pub environment: Option<Environment>,
    pub access: KeyAccess,
    /// Who created it (an account's email, or `api-token:<name>`).
    pub created_by: String,
    pub created_at: Timestamp,
    /// After this the key answers 401; `null`: never.
    pub expires_at: Option<Timestamp>,
    /// When it was last used (to within a minute); `null`: never.
    pub last_used_at: Option<Timestamp>,
    /// When it was revoked; a revoked key answers 401.
    pub revoked_at: Option<Timestamp>,
}

/// What a new client API key may reach and for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewClientKey {
    /// 1 to 100 characters, to recognise it in the list.
    pub name: String,
    /// Only this environment; absent or `null`: both.
    #[serde(default)]
    pub environment: Option<Environment>,
    pub access: KeyAccess,
    /// When it stops working; absent or `null`: never. Must be in the future.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

/// A client API key just created: the key in clear is in this answer only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedClientKey {
    #[serde(flatten)]
    pub key: ClientKeyView,
    /// `rnck_` and 43 random characters: send it as `Authorization: Bearer <secret>`. It is not shown
    /// again.
    pub secret: String,
}
