//! Retention: payloads and old records are removed in small batches, so deliveries are never held up
//! behind a long transaction.
//!
//! The rule, by status (the same for payload purges and record deletion):
//! - `delivered`, `failed`, `not_subscribed`, `filtered`: finished, so their payload may be purged and
//!   the record deleted once old enough, unless an attempt is queued or in flight (a resend sets
//!   `next_attempt_at`, and a claim moves it to the lease's end);
//! - `pending`, `retrying`, `held`: still to be sent, so never touched, however old. A `held`
//!   notification waits (with no due time) for its endpoint to be re-enabled, and a data delivery whose
//!   Data Webhook URL was removed stays `pending`/`retrying` while it waits for one.
//!
//! A status, not the due time alone, decides: `held` rows have no due time, and a payload purged from
//! one would leave nothing to send when it is released.

use app::timestamp::Timestamp;
use app::vocab::NotificationStatus;

use super::vocab_sql::sql_list;
use super::{Store, StoreError};

/// The condition of finished records (statuses with nothing queued): the only ones retention touches.
pub(super) fn finished() -> String {
    use NotificationStatus::{Delivered, Failed, Filtered, NotSubscribed};
    format!("status IN {} AND next_attempt_at IS NULL", sql_list(&[Delivered, Failed, NotSubscribed, Filtered]))
}

impl Store {
    /// Removes the bodies of finished notifications (see the module's rule) recorded before `before`,
    /// `batch` rows per transaction; returns how many.
    pub async fn purge_notification_payloads(&self, before: Timestamp, batch: u32) -> Result<u64, StoreError> {
        self.in_batches(
            &format!(
                "UPDATE notifications SET body = NULL WHERE id IN (SELECT id FROM notifications \
                 WHERE created_at < $1 AND body IS NOT NULL AND {finished} LIMIT $2)",
                finished = finished()
            ),
            before,
            batch,
            None,
        )
        .await
    }

    /// Deletes finished notifications and data deliveries (see the module's rule) recorded before
    /// `before`, with their attempts; returns how many were deleted.
    pub async fn delete_old_records(&self, before: Timestamp, batch: u32) -> Result<u64, StoreError> {
        let mut deleted = 0;
        let finished = finished();
        let notifications = format!("SELECT id FROM notifications WHERE created_at < $1 AND {finished} LIMIT $2");
        let deliveries = format!("SELECT id FROM data_deliveries WHERE created_at < $1 AND {finished} LIMIT $2");
        for (attempts, records) in [
            (
                format!("DELETE FROM attempts WHERE notification_id IN ({notifications})"),
                format!("DELETE FROM notifications WHERE id IN ({notifications})"),
            ),
            (
                format!("DELETE FROM attempts WHERE data_delivery_id IN ({deliveries})"),
                format!("DELETE FROM data_deliveries WHERE id IN ({deliveries})"),
            ),
        ] {
            loop {
                // Attempts first, in the same transaction: both backends, foreign keys on or off.
                let mut tx = self.begin_write().await?;
                sqlx::query(&attempts).bind(before.as_micros()).bind(i64::from(batch)).execute(&mut *tx).await?;
                let done = sqlx::query(&records)
                    .bind(before.as_micros())
                    .bind(i64::from(batch))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                deleted += done;
                if done < u64::from(batch) {
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
        Ok(deleted)
    }

    /// Runs `sql` (`$1` the time bound, `$2` the batch size, `$3` `now` when given) until a run
    /// touches fewer than `batch` rows, yielding between runs; returns how many rows it touched.
    pub(super) async fn in_batches(
        &self,
        sql: &str,
        before: Timestamp,
        batch: u32,
        now: Option<Timestamp>,
    ) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let mut query = sqlx::query(sql).bind(before.as_micros()).bind(i64::from(batch));
            if let Some(now) = now {
                query = query.bind(now.as_micros());
            }
            let done = query.execute(&self.write).await?.rows_affected();
            total += done;
            if done < u64::from(batch) {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }
}
