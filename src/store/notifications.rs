//! Reading notifications and their attempts, and the state changes people ask for: resend, resend
//! every failed one in a range, release what was held, stop what was waiting.

use app::dto::{AttemptView, DeliveryProgress};
use app::timestamp::Timestamp;
use app::vocab::{AttemptTrigger, Category, Environment, NotificationStatus, NotificationType};

use super::dispatch::{EndpointKey, hold_waiting};
use super::error::{parse_stored, parse_stored_opt};
use super::list_query::{Conditions, Position};
use super::progress::progress_columns;
use super::stored::stored_record;
use super::vocab_sql::{SqlLiteral, sql_list};
use super::{Store, StoreError};

stored_record! {
    /// A stored notification (without its attempts).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct NotificationRecord read from "notifications" as Row {
        pub id: String,
        pub client_uuid: String,
        pub environment: Environment,
        #[row(rename = "type")]
        pub kind: NotificationType,
        pub category: Category,
        pub user_id: Option<String>,
        pub data_source: Option<String>,
        pub occurred_at: Timestamp,
        pub created_at: Timestamp,
        pub is_test: bool,
        /// `None` once purged by retention.
        pub body: Option<Vec<u8>>,
        pub status: NotificationStatus,
        #[row(flatten)]
        pub progress: DeliveryProgress,
        /// Its place in commit order (see `store/commit_order.rs`).
        pub seq: i64,
    }
}

/// Which notifications to list. `client_uuid` is required: listings are always per client.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub client_uuid: String,
    pub environment: Option<Environment>,
    pub kind: Option<NotificationType>,
    pub category: Option<Category>,
    pub status: Option<NotificationStatus>,
    pub user_id: Option<String>,
    pub data_source: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

const COLUMNS: &str = concat!(
    "id, client_uuid, environment, type, category, user_id, data_source, occurred_at, created_at, is_test, body, \
     status, seq, ",
    progress_columns!("notifications", "notification_id")
);

#[derive(sqlx::FromRow)]
struct AttemptRow {
    id: String,
    attempt_number: i64,
    attempt_trigger: String,
    triggered_by: Option<String>,
    started_at: i64,
    duration_us: i64,
    url: String,
    request_headers: String,
    response_status: Option<i64>,
    response_headers: Option<String>,
    response_body: Option<String>,
    response_truncated: i64,
    error_kind: Option<String>,
    error_message: Option<String>,
    succeeded: i64,
}

impl Store {
    /// One notification.
    pub async fn notification(&self, id: &str) -> Result<Option<NotificationRecord>, StoreError> {
        self.one_by::<Row, _>(&format!("SELECT {COLUMNS} FROM notifications WHERE id = $1"), id).await
    }

    /// A page of one client's notifications matching `filter`, from `position` on: newest first
    /// before a notification (ids are UUIDv7, so id order is creation order), or oldest first in commit
    /// order after one's `seq` (what a live feed or a receiver has not seen yet).
    pub async fn list_notifications(
        &self,
        filter: &NotificationFilter,
        position: &Position,
        limit: u32,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let mut conditions = Conditions::default();
        conditions.add("client_uuid = $?", filter.client_uuid.as_str());
        conditions.equal("environment", filter.environment.map(Environment::as_str));
        conditions.equal("type", filter.kind.map(NotificationType::as_str));
        conditions.equal("category", filter.category.map(Category::as_str));
        conditions.equal("status", filter.status.map(NotificationStatus::as_str));
        conditions.equal("user_id", filter.user_id.as_deref());
        if let Some(source) = &filter.data_source {
            // Sources are names people type ("Oura", "oura"): matched without regard to case.
            conditions.add("lower(data_source) = lower($?)", source.as_str());
        }
        conditions.created_between(filter.since, filter.until);
        let listing = conditions.select(COLUMNS, "notifications", position, limit);
        let rows = listing.binds.bind(sqlx::query_as::<_, Row>(&listing.sql)).fetch_all(&self.read).await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Every attempt of a notification, oldest first.
    pub async fn attempts_of(&self, notification_id: &str) -> Result<Vec<AttemptView>, StoreError> {
        self.attempts_where("notification_id", notification_id).await
    }

    /// Every attempt whose `column` (`notification_id` or `data_delivery_id`) is `id`, oldest first.
    pub(super) async fn attempts_where(&self, column: &'static str, id: &str) -> Result<Vec<AttemptView>, StoreError> {
        let sql = format!(
            "SELECT id, attempt_number, attempt_trigger, triggered_by, started_at, duration_us, url, request_headers, \
             response_status, response_headers, response_body, response_truncated, error_kind, error_message, succeeded \
             FROM attempts WHERE {column} = $1 ORDER BY attempt_number, started_at"
        );
        let rows: Vec<AttemptRow> = sqlx::query_as(&sql).bind(id).fetch_all(&self.read).await?;
        rows.into_iter()
            .map(|r| {
                Ok(AttemptView {
                    trigger: parse_stored(&r.attempt_trigger, "attempts.attempt_trigger")?,
                    error_kind: parse_stored_opt(r.error_kind.as_deref(), "attempts.error_kind")?,
                    request_headers: serde_json::from_str(&r.request_headers).unwrap_or_default(),
                    response_headers: r
                        .response_headers
                        .as_deref()
                        .map(|h| serde_json::from_str(h).unwrap_or_default())
                        .unwrap_or_default(),
                    id: r.id,
                    attempt_number: u32::try_from(r.attempt_number).unwrap_or(u32::MAX),
                    triggered_by: r.triggered_by,
                    started_at: Timestamp::from_micros(r.started_at),
                    duration_ms: u64::try_from(r.duration_us / 1000).unwrap_or(0),
                    url: r.url,
                    response_status: r.response_status.and_then(|s| u16::try_from(s).ok()),
                    response_body: r.response_body,
                    response_truncated: r.response_truncated != 0,
                    error_message: r.error_message,
                    succeeded: r.succeeded != 0,
                })
            })
            .collect()
    }

    /// Makes one notification due now for a manual attempt (`resend`), keeping a scheduled retry to
    /// restore if that attempt fails. Returns false when the notification does not exist or its payload
    /// was purged (there is nothing to send).
    pub async fn schedule_resend(
        &self,
        id: &str,
        trigger: AttemptTrigger,
        triggered_by: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(&format!(
            "UPDATE notifications SET \
               resume_at = CASE WHEN status = {retrying} AND next_trigger IS NULL THEN next_attempt_at ELSE resume_at END, \
               next_attempt_at = $1, next_trigger = $2, next_triggered_by = $3, resend_requested_at = $1, \
               status = CASE WHEN status IN {not_waiting} THEN {pending} ELSE status END \
             WHERE id = $4 AND body IS NOT NULL",
            retrying = NotificationStatus::Retrying.sql(),
            not_waiting = sql_list(&[NotificationStatus::Held, NotificationStatus::NotSubscribed]),
            pending = NotificationStatus::Pending.sql(),
        ))
        .bind(now.as_micros())
        .bind(trigger.as_str())
        .bind(triggered_by)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        self.notify_due(&mut tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Makes due now (as `bulk_resend`) up to `limit` failed notifications of an endpoint created in
    /// `[since, until)` whose payload is still kept, oldest first. Returns how many were queued and how
    /// many such failed ones remain.
    pub async fn schedule_resend_failed(
        &self,
        endpoint: &EndpointKey,
        since: Timestamp,
        until: Timestamp,
        triggered_by: &str,
        limit: u32,
        now: Timestamp,
    ) -> Result<(u64, u64), StoreError> {
        let mut tx = self.begin_write().await?;
        let failed = NotificationStatus::Failed.sql();
        let queued = sqlx::query(&format!(
            "UPDATE notifications SET next_attempt_at = $1, next_trigger = {bulk_resend}, next_triggered_by = $2, \
               resend_requested_at = $1 \
             WHERE id IN (SELECT id FROM notifications \
                          WHERE client_uuid = $3 AND environment = $4 AND status = {failed} AND next_attempt_at IS NULL \
                            AND body IS NOT NULL AND created_at >= $5 AND created_at < $6 ORDER BY created_at LIMIT $7)",
            bulk_resend = AttemptTrigger::BulkResend.sql(),
        ))
        .bind(now.as_micros())
        .bind(triggered_by)
        .bind(&endpoint.client_uuid)
        .bind(endpoint.environment.as_str())
        .bind(since.as_micros())
        .bind(until.as_micros())
        .bind(i64::from(limit))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let remaining: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM notifications WHERE client_uuid = $1 AND environment = $2 AND status = {failed} \
             AND next_attempt_at IS NULL AND body IS NOT NULL AND created_at >= $3 AND created_at < $4"
        ))
        .bind(&endpoint.client_uuid)
        .bind(endpoint.environment.as_str())
        .bind(since.as_micros())
        .bind(until.as_micros())
        .fetch_one(&mut *tx)
        .await?;
        if queued > 0 {
            self.notify_due(&mut tx).await?;
        }
        tx.commit().await?;
        Ok((queued, u64::try_from(remaining).unwrap_or(0)))
    }

    /// Makes an endpoint's held notifications due now (after it is re-enabled); returns how many.
    pub async fn release_held(&self, endpoint: &EndpointKey, now: Timestamp) -> Result<u64, StoreError> {
        self.in_tx(async |tx| tx.release_held(endpoint, now).await).await
    }

    /// Stops an endpoint's waiting notifications when its subscription is switched off: they become
    /// `not_subscribed` and are never sent. Returns how many.
    pub async fn stop_waiting(&self, endpoint: &EndpointKey, now: Timestamp) -> Result<u64, StoreError> {
        self.in_tx(async |tx| tx.stop_waiting(endpoint, now).await).await
    }

    /// Holds an endpoint's waiting notifications (it was disabled by hand or by the engine).
    pub async fn hold_endpoint(&self, endpoint: &EndpointKey, now: Timestamp) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let held = hold_waiting(&mut tx, endpoint, now).await?;
        tx.commit().await?;
        Ok(held)
    }
}
