//! How far a delivery has come, as both delivery tables (`notifications` and `data_deliveries`) store it
//! in the same columns.

/// The progress columns of `$table` (`"notifications"` or `"data_deliveries"`) as an SQL select list,
/// with the HTTP status of its newest attempt (`$attempt_key` is the attempts' column naming that
/// table's rows). The newest attempt is one index lookup (`attempts_by_notification`,
/// `attempts_by_data_delivery`), so a page of rows costs a page of lookups, however long the history.
macro_rules! progress_columns {
    ($table:literal, $attempt_key:literal) => {
        concat!(
            "attempt_count, next_attempt_at, last_attempt_at, delivered_at, last_error_kind, \
             (SELECT response_status FROM attempts WHERE attempts.",
            $attempt_key,
            " = ",
            $table,
            ".id ORDER BY attempt_number DESC LIMIT 1) AS last_http_status"
        )
    };
}
pub(super) use progress_columns;

use app::dto::DeliveryProgress;
use app::timestamp::Timestamp;

use super::StoreError;
use super::error::parse_stored_opt;

/// The progress columns of a delivery row, as read (flattened into each table's row type).
#[derive(sqlx::FromRow)]
pub(super) struct ProgressRow {
    attempt_count: i64,
    next_attempt_at: Option<i64>,
    last_attempt_at: Option<i64>,
    delivered_at: Option<i64>,
    last_error_kind: Option<String>,
    last_http_status: Option<i64>,
}

impl ProgressRow {
    /// The progress, its error kind checked against the vocabulary (`column` names the progress in
    /// the error: `notifications.progress`).
    pub(super) fn parse(self, column: &str) -> Result<DeliveryProgress, StoreError> {
        Ok(DeliveryProgress {
            attempt_count: u32::try_from(self.attempt_count).unwrap_or(u32::MAX),
            next_attempt_at: self.next_attempt_at.map(Timestamp::from_micros),
            last_attempt_at: self.last_attempt_at.map(Timestamp::from_micros),
            delivered_at: self.delivered_at.map(Timestamp::from_micros),
            last_error_kind: parse_stored_opt(self.last_error_kind.as_deref(), &format!("{column}.last_error_kind"))?,
            // A status outside 100..=999 was never recorded (the client reads it from a real answer).
            last_http_status: self.last_http_status.and_then(|s| u16::try_from(s).ok()),
        })
    }
}
