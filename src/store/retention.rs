//! Retention: payloads and old records are removed in small batches, so deliveries are never held up
//! behind a long transaction. Nothing still waiting for an attempt is touched.

use app::timestamp::Timestamp;

use super::{Store, StoreError};

impl Store {
    /// Removes the bodies of notifications recorded before `before` that are no longer waiting for an
    /// attempt, `batch` rows per transaction; returns how many.
    pub async fn purge_notification_payloads(&self, before: Timestamp, batch: u32) -> Result<u64, StoreError> {
        self.in_batches(
            "UPDATE notifications SET body = NULL WHERE id IN (SELECT id FROM notifications \
             WHERE created_at < $1 AND body IS NOT NULL AND next_attempt_at IS NULL LIMIT $2)",
            before,
            batch,
        )
        .await
    }

    /// Deletes notifications and data deliveries recorded before `before` (with their attempts) that
    /// are no longer waiting for an attempt, and idempotency keys past their window; returns how many
    /// notifications and data deliveries were deleted.
    pub async fn delete_old_records(&self, before: Timestamp, batch: u32) -> Result<u64, StoreError> {
        let mut deleted = 0;
        for (attempts, records) in [
            (
                "DELETE FROM attempts WHERE notification_id IN (SELECT id FROM notifications \
                 WHERE created_at < $1 AND next_attempt_at IS NULL LIMIT $2)",
                "DELETE FROM notifications WHERE id IN (SELECT id FROM notifications \
                 WHERE created_at < $1 AND next_attempt_at IS NULL LIMIT $2)",
            ),
            (
                "DELETE FROM attempts WHERE data_delivery_id IN (SELECT id FROM data_deliveries \
                 WHERE created_at < $1 AND next_attempt_at IS NULL LIMIT $2)",
                "DELETE FROM data_deliveries WHERE id IN (SELECT id FROM data_deliveries \
                 WHERE created_at < $1 AND next_attempt_at IS NULL LIMIT $2)",
            ),
        ] {
            loop {
                // Attempts first, in the same transaction: both backends, foreign keys on or off.
                let mut tx = self.write.begin().await?;
                sqlx::query(attempts).bind(before.as_micros()).bind(i64::from(batch)).execute(&mut *tx).await?;
                let done = sqlx::query(records)
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

    async fn in_batches(&self, sql: &str, before: Timestamp, batch: u32) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let done = sqlx::query(sql)
                .bind(before.as_micros())
                .bind(i64::from(batch))
                .execute(&self.write)
                .await?
                .rows_affected();
            total += done;
            if done < u64::from(batch) {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }
}
