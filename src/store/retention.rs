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
//!
//! Each batch is found by a read and changed in a short write by its ids (see [`Sweep`]): finding
//! old rows reads the whole table when none is old enough (no index on age, which every ingest would
//! pay for), and that read held SQLite's single writer for 50–80 ms per statement at 256,000
//! notifications at every start and every hour, stalling every ingest behind it (BENCHMARKS.md,
//! seventh session).

use app::timestamp::Timestamp;
use app::vocab::NotificationStatus;

use super::vocab_sql::sql_list;
use super::{JsonColumn, Placeholders, Store, StoreError, json_param};

/// The condition of finished records (statuses with nothing queued): the only ones retention touches.
fn finished() -> String {
    use NotificationStatus::{Delivered, Failed, Filtered, NotSubscribed};
    format!("status IN {} AND next_attempt_at IS NULL", sql_list(&[Delivered, Failed, NotSubscribed, Filtered]))
}

impl Store {
    /// Removes the bodies of finished notifications (see the module's rule) recorded before `before`,
    /// `batch` rows per transaction; returns how many.
    pub async fn purge_notification_payloads(&self, before: Timestamp, batch: u32) -> Result<u64, StoreError> {
        let sweep = Sweep {
            table: "notifications",
            condition: |p| format!("created_at < {} AND body IS NOT NULL AND {}", p.next(), finished()),
            binds: vec![before.as_micros()],
        };
        self.purge(&sweep, None, batch).await
    }

    /// Removes the bodies of finished data deliveries (see the module's rule) recorded before
    /// `before`, `batch` rows per transaction, marking when (`now`); returns how many. One still
    /// waiting for a retry or for a Data Webhook URL keeps its payload, however old, and so does one
    /// claimed now.
    pub async fn purge_data_payloads(&self, before: Timestamp, batch: u32, now: Timestamp) -> Result<u64, StoreError> {
        let sweep = Sweep {
            table: "data_deliveries",
            condition: |p| {
                format!(
                    "created_at < {} AND body IS NOT NULL AND {} AND (lease_until IS NULL OR lease_until <= {})",
                    p.next(),
                    finished(),
                    p.next()
                )
            },
            binds: vec![before.as_micros(), now.as_micros()],
        };
        self.purge(&sweep, Some(("body_purged_at", now)), batch).await
    }

    /// Deletes finished notifications and data deliveries (see the module's rule) recorded before
    /// `before`, with their attempts; returns how many were deleted.
    pub async fn delete_old_records(&self, before: Timestamp, batch: u32) -> Result<u64, StoreError> {
        let mut deleted = 0;
        for (table, reference) in [("notifications", "notification_id"), ("data_deliveries", "data_delivery_id")] {
            let sweep = Sweep {
                table,
                condition: |p| format!("created_at < {} AND {}", p.next(), finished()),
                binds: vec![before.as_micros()],
            };
            loop {
                let ids = self.sweep_ids(&sweep, batch).await?;
                if ids.is_empty() {
                    break;
                }
                let mut tx = self.begin_write().await?;
                // The rows still old and finished, locked (Postgres) until the commit; then their
                // attempts first, in the same transaction: both backends, foreign keys on or off.
                let lock = if self.dialect == super::Dialect::Postgres { " FOR UPDATE" } else { "" };
                let mut p = Placeholders::for_dialect(self.dialect);
                let sql = format!("{}{lock}", sweep.still_selected(&mut p));
                let mut query = sqlx::query_scalar::<_, String>(&sql).bind(json_param(&ids)?);
                for value in &sweep.binds {
                    query = query.bind(*value);
                }
                let still: Vec<[String; 1]> = query.fetch_all(&mut *tx).await?.into_iter().map(|id| [id]).collect();
                if !still.is_empty() {
                    let rows = json_param(&still)?;
                    let mut p = Placeholders::for_dialect(self.dialect);
                    let attempts = format!(
                        "DELETE FROM attempts WHERE {reference} IN ({})",
                        p.json_rows(&[("id", JsonColumn::Text)])
                    );
                    sqlx::query(&attempts).bind(&rows).execute(&mut *tx).await?;
                    let mut p = Placeholders::for_dialect(self.dialect);
                    let records =
                        format!("DELETE FROM {table} WHERE id IN ({})", p.json_rows(&[("id", JsonColumn::Text)]));
                    sqlx::query(&records).bind(&rows).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                deleted += still.len() as u64;
                if ids.len() < batch as usize {
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
        Ok(deleted)
    }

    /// Sets `body = NULL` (and `mark`'s column to its time, when given) on the rows `sweep` selects,
    /// `batch` rows per transaction, until a batch finds fewer; returns how many rows changed.
    async fn purge(&self, sweep: &Sweep, mark: Option<(&str, Timestamp)>, batch: u32) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let ids = self.sweep_ids(sweep, batch).await?;
            if ids.is_empty() {
                return Ok(total);
            }
            let mut p = Placeholders::for_dialect(self.dialect);
            let set = mark.map(|(column, _)| format!(", {column} = {}", p.next())).unwrap_or_default();
            let sql =
                format!("UPDATE {} SET body = NULL{set} WHERE id IN ({})", sweep.table, sweep.still_selected(&mut p));
            let mut query = sqlx::query(&sql);
            if let Some((_, at)) = mark {
                query = query.bind(at.as_micros());
            }
            query = query.bind(json_param(&ids)?);
            for value in &sweep.binds {
                query = query.bind(*value);
            }
            total += query.execute(&self.write).await?.rows_affected();
            if ids.len() < batch as usize {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }

    /// The ids of up to `batch` rows that `sweep` selects (each as a one-column row of
    /// [`Placeholders::json_rows`]), read on the read connections: never on the writer's turn.
    async fn sweep_ids(&self, sweep: &Sweep, batch: u32) -> Result<Vec<[String; 1]>, StoreError> {
        let mut p = Placeholders::for_dialect(self.dialect);
        let sql = format!("SELECT id FROM {} WHERE {} LIMIT {}", sweep.table, (sweep.condition)(&mut p), p.next());
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for value in &sweep.binds {
            query = query.bind(*value);
        }
        let ids = query.bind(i64::from(batch)).fetch_all(&self.read).await?;
        Ok(ids.into_iter().map(|id| [id]).collect())
    }
}

/// The rows of `table` a retention step changes: those `condition` selects (its placeholders taken in
/// order from the [`Placeholders`] given), with `binds` bound to them in that order.
///
/// A batch is found by [`Store::sweep_ids`] on the read connections, then changed by its ids in a
/// short write that checks `condition` again ([`Sweep::still_selected`]): a row that changed in
/// between (a resend made it due, a claim took it) is left alone.
struct Sweep {
    table: &'static str,
    condition: fn(&mut Placeholders) -> String,
    binds: Vec<i64>,
}

impl Sweep {
    /// The ids of a JSON list (its parameter first, then `binds`) whose rows the condition still
    /// selects, as a `SELECT id` subquery; each id is a seek on the primary key.
    fn still_selected(&self, p: &mut Placeholders) -> String {
        let ids = p.json_rows(&[("id", JsonColumn::Text)]);
        format!("SELECT id FROM {} WHERE id IN ({ids}) AND {}", self.table, (self.condition)(p))
    }
}
