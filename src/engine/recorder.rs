//! Writes finished attempts in batches: everything that finished while the previous batch was being
//! committed goes into the next transaction (group commit).

use std::sync::Arc;
use std::time::Duration;

use app::timestamp::Timestamp;
use tokio::sync::{Notify, mpsc};

use crate::store::{AttemptRecord, Skipped, Store};

/// How many results one transaction records at most.
const MAX_BATCH: usize = 512;

/// What the dispatcher hands over when a claimed notification is done with.
#[derive(Debug)]
pub enum Finished {
    /// An attempt was made.
    Attempt(Box<AttemptRecord>),
    /// No attempt was made (the endpoint is no longer active, or cannot sign): set this state.
    Skipped(Skipped),
}

/// When endpoints are disabled and alerts raised.
#[derive(Debug, Clone, Copy)]
pub(super) struct Thresholds {
    pub disable_after: Duration,
    pub alert_after_failures: u32,
}

pub(super) async fn run(
    store: Store,
    mut rx: mpsc::Receiver<Finished>,
    thresholds: Thresholds,
    due: Arc<Notify>,
    alerts_due: Arc<Notify>,
) {
    let disable_after = i64::try_from(thresholds.disable_after.as_micros()).unwrap_or(i64::MAX);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut attempts = Vec::new();
        let mut skipped = Vec::new();
        for finished in batch.drain(..) {
            match finished {
                Finished::Attempt(record) => attempts.push(*record),
                Finished::Skipped(skip) => skipped.push(skip),
            }
        }
        // Retry until recorded: the attempts happened and must not be lost. Meanwhile their claims
        // stay leased, so nothing is sent twice unless this process dies.
        let mut backoff = Duration::from_millis(100);
        loop {
            match store
                .record_attempts(&attempts, &skipped, disable_after, thresholds.alert_after_failures, Timestamp::now())
                .await
            {
                Ok(summary) => {
                    if !summary.alerts.is_empty() {
                        alerts_due.notify_one();
                    }
                    for (endpoint, reason) in summary.disabled {
                        tracing::warn!(
                            client_uuid = %endpoint.client_uuid,
                            environment = %endpoint.environment,
                            reason = %reason,
                            "endpoint disabled; its notifications are held until it is re-enabled"
                        );
                    }
                    break;
                }
                Err(err) => {
                    tracing::error!(error = %err, attempts = attempts.len(), "recording attempts failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
        // Retries may now be due sooner than the dispatcher planned to look.
        due.notify_one();
    }
}
