//! Retention: payloads are kept for a bounded time. Once an hour (and at start) the payloads of data
//! deliveries older than the retention period are purged in small batches; records and attempts stay.

use std::time::Duration;

use app::timestamp::Timestamp;
use tokio::sync::watch;

use crate::store::Store;

/// How often retention runs.
const PERIOD: Duration = Duration::from_secs(3600);
/// Rows per purge transaction: small, so deliveries are never held up behind it.
const BATCH: u32 = 500;

/// Purges what is past `data_retention` now; returns how many payloads were purged.
pub async fn purge_once(
    store: &Store,
    data_retention: Duration,
    now: Timestamp,
) -> Result<u64, crate::store::StoreError> {
    let before = now.plus_micros(-i64::try_from(data_retention.as_micros()).unwrap_or(i64::MAX));
    store.purge_data_payloads(before, BATCH, now).await
}

pub(super) async fn run(store: Store, data_retention: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        match purge_once(&store, data_retention, Timestamp::now()).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "retention: purged data delivery payloads"),
            Err(err) => tracing::warn!(error = %err, "retention run failed; trying again next period"),
        }
        tokio::select! {
            () = tokio::time::sleep(PERIOD) => {}
            _ = stopped.changed() => return,
        }
    }
}
