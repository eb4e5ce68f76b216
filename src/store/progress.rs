//! How far a delivery has come, as both delivery tables (`notifications` and `data_deliveries`) store it
//! in the same columns.

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
}

impl ProgressRow {
    /// The progress, its error kind checked against the vocabulary (`table` names the row's table in
    /// the error).
    pub(super) fn parse(self, table: &str) -> Result<DeliveryProgress, StoreError> {
        Ok(DeliveryProgress {
            attempt_count: u32::try_from(self.attempt_count).unwrap_or(u32::MAX),
            next_attempt_at: self.next_attempt_at.map(Timestamp::from_micros),
            last_attempt_at: self.last_attempt_at.map(Timestamp::from_micros),
            delivered_at: self.delivered_at.map(Timestamp::from_micros),
            last_error_kind: parse_stored_opt(self.last_error_kind.as_deref(), &format!("{table}.last_error_kind"))?,
        })
    }
}
