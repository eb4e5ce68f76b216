//! Retention: once an hour (and at start), in small batches that never hold up deliveries:
//! - data delivery payloads past their retention (default 30 days) are purged;
//! - notification payloads past theirs (default 90 days) are purged;
//! - notifications and data deliveries past the record retention (default 1 year) are deleted with
//!   their attempts, and idempotency keys past their 24 hours.
//!
//! Records keep their attempts until the record itself goes; nothing still waiting to be sent is
//! touched.

use std::time::Duration;

use app::timestamp::Timestamp;
use tokio::sync::watch;

use crate::store::{Store, StoreError};

/// How often retention runs.
const PERIOD: Duration = Duration::from_secs(3600);
/// Rows per transaction: small, so deliveries are never held up behind it.
const BATCH: u32 = 500;

/// How long things are kept.
#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    pub data_payloads: Duration,
    pub notification_payloads: Duration,
    pub records: Duration,
}

/// What one retention run removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionRun {
    pub data_payloads_purged: u64,
    pub notification_payloads_purged: u64,
    pub records_deleted: u64,
    pub idempotency_keys_deleted: u64,
}

fn ago(now: Timestamp, age: Duration) -> Timestamp {
    now.plus_micros(-i64::try_from(age.as_micros()).unwrap_or(i64::MAX))
}

/// Applies `policy` as of `now`.
pub async fn run_once(store: &Store, policy: RetentionPolicy, now: Timestamp) -> Result<RetentionRun, StoreError> {
    Ok(RetentionRun {
        data_payloads_purged: store.purge_data_payloads(ago(now, policy.data_payloads), BATCH, now).await?,
        notification_payloads_purged: store
            .purge_notification_payloads(ago(now, policy.notification_payloads), BATCH)
            .await?,
        records_deleted: store.delete_old_records(ago(now, policy.records), BATCH).await?,
        idempotency_keys_deleted: store.purge_idempotency_keys(ago(now, Duration::from_secs(24 * 3600))).await?,
    })
}

pub(super) async fn run(store: Store, policy: RetentionPolicy, mut stopped: watch::Receiver<bool>) {
    loop {
        match run_once(&store, policy, Timestamp::now()).await {
            Ok(run) if run == RetentionRun::default() => {}
            Ok(run) => tracing::info!(
                data_payloads_purged = run.data_payloads_purged,
                notification_payloads_purged = run.notification_payloads_purged,
                records_deleted = run.records_deleted,
                idempotency_keys_deleted = run.idempotency_keys_deleted,
                "retention run"
            ),
            Err(err) => tracing::warn!(error = %err, "retention run failed; trying again next period"),
        }
        tokio::select! {
            () = tokio::time::sleep(PERIOD) => {}
            _ = stopped.changed() => return,
        }
    }
}
