//! Figures for the dashboard, read from indexes and the hourly roll-up — never by scanning every
//! notification.

use app::timestamp::Timestamp;
use app::vocab::{Environment, NotificationStatus, SubscriptionState};

use super::clients::{ENVIRONMENT_COLUMNS, EnvironmentRecord, EnvironmentRow};
use super::vocab_sql::SqlLiteral;
use super::{Channel, Store, StoreError};

/// One hour of the roll-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourRow {
    pub hour: Timestamp,
    pub succeeded: u64,
    pub failed: u64,
    pub latency_us_sum: i64,
    pub latency_us_max: i64,
}

/// An endpoint with its client's name, for the health page.
#[derive(Debug, Clone)]
pub struct EndpointRow {
    pub client_name: String,
    pub environment: EnvironmentRecord,
}

#[derive(sqlx::FromRow)]
struct TroubledRow {
    name: String,
    #[sqlx(flatten)]
    env: EnvironmentRow,
}

impl Store {
    /// How many notifications of an environment were recorded since `since`, per status (statuses
    /// without any are absent).
    pub async fn status_counts_since(
        &self,
        client_uuid: &str,
        environment: Environment,
        since: Timestamp,
    ) -> Result<Vec<(NotificationStatus, u64)>, StoreError> {
        // One range per status on the (client, environment, status, created_at) index: the work is the
        // day's rows, not the client's history.
        let mut counts = Vec::new();
        for status in NotificationStatus::ALL {
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM notifications \
                 WHERE client_uuid = $1 AND environment = $2 AND status = $3 AND created_at >= $4",
            )
            .bind(client_uuid)
            .bind(environment.as_str())
            .bind(status.as_str())
            .bind(since.as_micros())
            .fetch_one(&self.read)
            .await?;
            if count > 0 {
                counts.push((*status, u64::try_from(count).unwrap_or(0)));
            }
        }
        Ok(counts)
    }

    /// The roll-up since `since`, hour by hour, for one endpoint or (with `None`) all endpoints summed.
    pub async fn hourly_stats(
        &self,
        endpoint: Option<(&str, Environment)>,
        since: Timestamp,
    ) -> Result<Vec<HourRow>, StoreError> {
        let (client_uuid, environment) = match endpoint {
            Some((c, e)) => (Some(c), Some(e.as_str())),
            None => (None, None),
        };
        let rows: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT hour, CAST(SUM(attempts_succeeded) AS BIGINT), CAST(SUM(attempts_failed) AS BIGINT), \
                    CAST(SUM(latency_us_sum) AS BIGINT), CAST(MAX(latency_us_max) AS BIGINT) \
             FROM delivery_stats_hourly \
             WHERE hour >= $1 AND ($2 IS NULL OR client_uuid = $2) AND ($3 IS NULL OR environment = $3) \
             GROUP BY hour ORDER BY hour",
        )
        .bind(since.as_micros())
        .bind(client_uuid)
        .bind(environment)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(hour, ok, failed, sum, max)| HourRow {
                hour: Timestamp::from_micros(hour),
                succeeded: u64::try_from(ok).unwrap_or(0),
                failed: u64::try_from(failed).unwrap_or(0),
                latency_us_sum: sum,
                latency_us_max: max,
            })
            .collect())
    }

    /// Endpoints that are failing now (active, with failures since the last success) or disabled,
    /// with their clients' names, disabled first, then the longest failing.
    pub async fn troubled_endpoints(&self, limit: u32) -> Result<Vec<EndpointRow>, StoreError> {
        let columns = ENVIRONMENT_COLUMNS.split(", ").map(|c| format!("e.{}", c.trim())).collect::<Vec<_>>().join(", ");
        let (disabled, active) = (SubscriptionState::Disabled.sql(), SubscriptionState::Active.sql());
        let sql = format!(
            "SELECT c.name, {columns} FROM environments e JOIN clients c ON c.client_uuid = e.client_uuid \
             WHERE e.subscription_state = {disabled} \
                OR (e.subscription_state = {active} AND e.consecutive_failures > 0) \
             ORDER BY CASE WHEN e.subscription_state = {disabled} THEN 0 ELSE 1 END, e.failing_since, \
               e.state_since LIMIT $1"
        );
        let rows: Vec<TroubledRow> = sqlx::query_as(&sql).bind(i64::from(limit)).fetch_all(&self.read).await?;
        rows.into_iter()
            .map(|r| Ok(EndpointRow { client_name: r.name, environment: self.environment_record(r.env)? }))
            .collect()
    }

    /// How many deliveries of `channel` are due or scheduled, and when the oldest due one fell due.
    /// Reads the partial index of scheduled deliveries (its size is the queue, not the table).
    pub async fn queue_depth(&self, channel: Channel, now: Timestamp) -> Result<(u64, Option<Timestamp>), StoreError> {
        let sql = format!(
            "SELECT COUNT(*), MIN(CASE WHEN next_attempt_at <= $1 THEN next_attempt_at END) \
             FROM {} WHERE next_attempt_at IS NOT NULL",
            channel.table()
        );
        let (depth, oldest): (i64, Option<i64>) =
            sqlx::query_as(&sql).bind(now.as_micros()).fetch_one(&self.read).await?;
        Ok((u64::try_from(depth).unwrap_or(0), oldest.map(Timestamp::from_micros)))
    }

    /// How many endpoints are disabled now.
    pub async fn disabled_endpoints(&self) -> Result<u64, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FROM environments WHERE subscription_state = {}",
            SubscriptionState::Disabled.sql()
        );
        let count: i64 = sqlx::query_scalar(&sql).fetch_one(&self.read).await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}
