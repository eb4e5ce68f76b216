//! Data Webhook deliveries: documents ROOK hands over, stored once and sent byte for byte by the
//! engine to the environment's Data Webhook URL; their payloads are purged after the retention period.

use app::dto::DeliveryProgress;
use app::timestamp::Timestamp;
use app::vocab::{AttemptTrigger, DataDeliveryStatus, DataType, Environment, Pillar};

use super::commit_order::take_seqs;
use super::dispatch::Channel;
use super::ingest::IdempotencyClaim;
use super::list_query::{Conditions, Position};
use super::progress::progress_columns;
use super::stored::stored_record;
use super::vocab_sql::SqlLiteral;
use super::{EndpointKey, Store, StoreError};

/// A document to deliver.
#[derive(Debug, Clone)]
pub struct NewDataDelivery {
    pub id: String,
    pub client_uuid: String,
    pub environment: Environment,
    pub user_id: String,
    pub data_type: DataType,
    pub pillar: Pillar,
    pub document_id: Option<String>,
    /// The text `x-rook-hash` covers as the datetime.
    pub hash_datetime: String,
    /// The exact bytes to send.
    pub body: Vec<u8>,
}

stored_record! {
    /// A stored data delivery (without attempts).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DataDeliveryRecord read from "data_deliveries" as Row {
        pub id: String,
        pub client_uuid: String,
        pub environment: Environment,
        pub user_id: String,
        pub data_type: DataType,
        pub pillar: Pillar,
        pub document_id: Option<String>,
        pub created_at: Timestamp,
        /// `None` once purged by retention.
        pub body: Option<Vec<u8>>,
        pub body_purged_at: Option<Timestamp>,
        pub status: DataDeliveryStatus,
        #[row(flatten)]
        pub progress: DeliveryProgress,
        pub rejected_notification_id: Option<String>,
        /// Its place in commit order (see `store/commit_order.rs`).
        pub seq: i64,
    }
}

/// Which data deliveries to list (always one client).
#[derive(Debug, Clone, Default)]
pub struct DataDeliveryFilter {
    pub client_uuid: String,
    pub environment: Option<Environment>,
    pub status: Option<DataDeliveryStatus>,
    pub user_id: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

const COLUMNS: &str = concat!(
    "id, client_uuid, environment, user_id, data_type, pillar, document_id, created_at, body, body_purged_at, \
     status, rejected_notification_id, seq, ",
    progress_columns!("data_deliveries", "data_delivery_id")
);
/// The same without the body, for lists.
const LIST_COLUMNS: &str = concat!(
    "id, client_uuid, environment, user_id, data_type, pillar, document_id, created_at, NULL AS body, \
     body_purged_at, status, rejected_notification_id, seq, ",
    progress_columns!("data_deliveries", "data_delivery_id")
);

/// What recording a data delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataIngestOutcome {
    Recorded,
    /// The idempotency key was already used (by a concurrent request): nothing was written.
    DuplicateKey,
}

impl Store {
    /// Records a data delivery, due now, claiming its idempotency key (whose stored answer is
    /// `receipt`) in the same transaction.
    pub async fn insert_data_delivery(
        &self,
        new: &NewDataDelivery,
        idempotency: Option<(&IdempotencyClaim, &str)>,
        now: Timestamp,
    ) -> Result<DataIngestOutcome, StoreError> {
        // The write lock first: a transaction that reads first fails at once (SQLite calls no busy
        // handler for a read transaction that wants to write) while another process writes.
        let mut tx = self.begin_write().await?;
        if let Some((claim, receipt)) = idempotency
            && !claim.take(&mut tx, receipt, now).await?
        {
            return Ok(DataIngestOutcome::DuplicateKey);
        }
        // The last write: it takes its commit-order number first (see `store/commit_order.rs`).
        let seq = take_seqs(&mut tx, Channel::Data, 1).await?;
        sqlx::query(&format!(
            "INSERT INTO data_deliveries (id, client_uuid, environment, user_id, data_type, pillar, document_id, \
             hash_datetime, created_at, body, status, next_attempt_at, next_trigger, seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, {pending}, $9, {schedule}, $11)",
            pending = DataDeliveryStatus::Pending.sql(),
            schedule = AttemptTrigger::Schedule.sql(),
        ))
        .bind(&new.id)
        .bind(&new.client_uuid)
        .bind(new.environment.as_str())
        .bind(&new.user_id)
        .bind(new.data_type.as_str())
        .bind(new.pillar.as_str())
        .bind(new.document_id.as_deref())
        .bind(&new.hash_datetime)
        .bind(now.as_micros())
        .bind(new.body.as_slice())
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        self.notify_due(&mut tx).await?;
        tx.commit().await?;
        Ok(DataIngestOutcome::Recorded)
    }

    /// One data delivery, with its body.
    pub async fn data_delivery(&self, id: &str) -> Result<Option<DataDeliveryRecord>, StoreError> {
        self.one_by::<Row, _>(&format!("SELECT {COLUMNS} FROM data_deliveries WHERE id = $1"), id).await
    }

    /// A page of one client's data deliveries (without bodies) matching `filter`, from `position` on.
    pub async fn list_data_deliveries(
        &self,
        filter: &DataDeliveryFilter,
        position: &Position,
        limit: u32,
    ) -> Result<Vec<DataDeliveryRecord>, StoreError> {
        let mut conditions = Conditions::default();
        conditions.add("client_uuid = $?", filter.client_uuid.as_str());
        conditions.equal("environment", filter.environment.map(Environment::as_str));
        conditions.equal("status", filter.status.map(DataDeliveryStatus::as_str));
        conditions.equal("user_id", filter.user_id.as_deref());
        conditions.created_between(filter.since, filter.until);
        let listing = conditions.select(LIST_COLUMNS, "data_deliveries", position, limit);
        let rows = listing.binds.bind(sqlx::query_as::<_, Row>(&listing.sql)).fetch_all(&self.read).await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Every attempt of a data delivery, oldest first.
    pub async fn data_attempts_of(&self, data_delivery_id: &str) -> Result<Vec<app::dto::AttemptView>, StoreError> {
        self.attempts_where("data_delivery_id", data_delivery_id).await
    }

    /// Makes one data delivery due now for a manual attempt, keeping a scheduled retry to restore if
    /// it fails. False when it does not exist or its payload was purged (nothing left to send).
    pub async fn schedule_data_resend(&self, id: &str, triggered_by: &str, now: Timestamp) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(&format!(
            "UPDATE data_deliveries SET \
               resume_at = CASE WHEN status = {retrying} AND next_trigger IS NULL THEN next_attempt_at ELSE resume_at END, \
               next_attempt_at = $1, next_trigger = {resend}, next_triggered_by = $2, resend_requested_at = $1 \
             WHERE id = $3 AND body IS NOT NULL",
            retrying = DataDeliveryStatus::Retrying.sql(),
            resend = AttemptTrigger::Resend.sql(),
        ))
        .bind(now.as_micros())
        .bind(triggered_by)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() > 0 {
            self.notify_due(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Makes due now (as `bulk_resend`) up to `limit` rejected data deliveries (failed, or waiting for a
    /// retry) of an endpoint created in `[since, until)` whose payload is still kept. Returns how many
    /// were queued and how many rejected ones remain unqueued.
    pub async fn schedule_data_resend_rejected(
        &self,
        endpoint: &EndpointKey,
        (since, until): (Timestamp, Timestamp),
        triggered_by: &str,
        limit: u32,
        now: Timestamp,
    ) -> Result<(u64, u64), StoreError> {
        let (client_uuid, environment) = (endpoint.client_uuid.as_str(), endpoint.environment);
        let mut tx = self.begin_write().await?;
        let (failed, retrying) = (DataDeliveryStatus::Failed.sql(), DataDeliveryStatus::Retrying.sql());
        let rejected = format!(
            "client_uuid = $1 AND environment = $2 AND created_at >= $3 AND created_at < $4 AND body IS NOT NULL \
             AND ((status = {failed} AND next_attempt_at IS NULL) OR (status = {retrying} AND next_trigger IS NULL))"
        );
        let queued = sqlx::query(&format!(
            "UPDATE data_deliveries SET \
               resume_at = CASE WHEN status = {retrying} THEN next_attempt_at ELSE resume_at END, \
               next_attempt_at = $5, next_trigger = {bulk_resend}, next_triggered_by = $6, resend_requested_at = $5 \
             WHERE id IN (SELECT id FROM data_deliveries WHERE {rejected} ORDER BY created_at LIMIT $7)",
            bulk_resend = AttemptTrigger::BulkResend.sql(),
        ))
        .bind(client_uuid)
        .bind(environment.as_str())
        .bind(since.as_micros())
        .bind(until.as_micros())
        .bind(now.as_micros())
        .bind(triggered_by)
        .bind(i64::from(limit))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let remaining: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM data_deliveries WHERE {rejected}"))
            .bind(client_uuid)
            .bind(environment.as_str())
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
}
