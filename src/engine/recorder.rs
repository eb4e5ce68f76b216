//! Writes finished attempts in batches: everything that finished while the previous batch was being
//! committed goes into the next transaction (group commit).

use std::sync::Arc;
use std::time::Duration;

use app::timestamp::Timestamp;
use tokio::sync::{Notify, broadcast, mpsc, oneshot};

use super::due::DueSignal;
use super::health::EngineHealth;
use super::recorded::{self, Recorded};
use super::rules::DeliveryRules;
use crate::store::{AttemptRecord, Channel, EndpointKey, Skipped, Store, StoreError};

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

/// A finished delivery on its way to the recorder, with the word it sends back once the outcome is
/// in the database (or given up on). The dispatcher counts the delivery against its room until then,
/// so what a crash can make it send again is bounded by what it has in flight, not by what waits to
/// be recorded.
#[derive(Debug)]
pub struct Handover {
    pub finished: Finished,
    pub recorded: oneshot::Sender<()>,
}

/// When endpoints are disabled and alerts raised.
#[derive(Debug, Clone, Copy)]
pub(super) struct Thresholds {
    pub disable_after: Duration,
    pub alert_after_failures: u32,
}

pub(super) async fn run(
    store: Store,
    mut rx: mpsc::Receiver<Handover>,
    thresholds: Thresholds,
    due: Arc<DueSignal>,
    alerts_due: Arc<Notify>,
    health: Arc<EngineHealth>,
    recorded: broadcast::Sender<Recorded>,
) {
    let recorder = Recorder { store, thresholds, alerts_due, health };
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut attempts = Vec::new();
        let mut skipped = Vec::new();
        let mut acks = Vec::with_capacity(batch.len());
        for Handover { finished, recorded } in batch.drain(..) {
            acks.push(recorded);
            match finished {
                Finished::Attempt(record) => attempts.push(*record),
                Finished::Skipped(skip) => skipped.push(skip),
            }
        }
        // These endpoints have free slots now, and a resend asked for during an attempt is due at once.
        // A rejection notice is a new notification of the same endpoint, due at once.
        let endpoints: Vec<(Channel, EndpointKey)> = attempts
            .iter()
            .map(|a| (a.channel, a.endpoint.clone()))
            .chain(attempts.iter().filter(|a| a.notice.is_some()).map(|a| (Channel::Notification, a.endpoint.clone())))
            .chain(skipped.iter().map(|s| (s.channel, s.endpoint.clone())))
            .collect();
        // Retries just scheduled: the dispatcher looks for them when they fall due.
        let next_due = attempts
            .iter()
            .filter_map(|a| a.next.next_attempt_at)
            .chain(skipped.iter().filter_map(|s| s.next.next_attempt_at))
            .min();
        // Live feeds show each notification's status and attempts: these clients' rows changed, and a
        // rejection notice is a new notification of its client.
        let changed: Vec<String> = attempts
            .iter()
            .filter(|a| a.channel == Channel::Notification)
            .map(|a| a.endpoint.client_uuid.clone())
            .chain(
                skipped.iter().filter(|s| s.channel == Channel::Notification).map(|s| s.endpoint.client_uuid.clone()),
            )
            .collect();
        let noticed: Vec<String> =
            attempts.iter().filter(|a| a.notice.is_some()).map(|a| a.endpoint.client_uuid.clone()).collect();
        recorder.record(attempts, skipped).await;
        for ack in acks {
            // A dispatcher task that stopped waiting (shutdown) has nothing more to do with it.
            let _ = ack.send(());
        }
        due.endpoints(endpoints);
        recorded::announce(&recorded, changed.iter().map(String::as_str), Recorded::Changed);
        recorded::announce(&recorded, noticed.iter().map(String::as_str), Recorded::New);
        if let Some(at) = next_due {
            due.at(at);
        }
    }
}

/// Tries to record an attempt alone this many times before storing it without the receiver's answer,
/// and a state change this many times before giving it up.
const TRIES_ALONE: u32 = 3;
/// The longest wait between tries while the database is away.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

struct Recorder {
    store: Store,
    thresholds: Thresholds,
    alerts_due: Arc<Notify>,
    health: Arc<EngineHealth>,
}

impl Recorder {
    /// Records a batch. The attempts happened and must not be lost, yet no single record may hold up
    /// the others: when the batch fails, each item is recorded alone, so one bad record (a receiver's
    /// answer the database refuses, say) costs only itself. Meanwhile the claims stay leased, so
    /// nothing is sent twice unless this process dies.
    async fn record(&self, attempts: Vec<AttemptRecord>, skipped: Vec<Skipped>) {
        match self.write(&attempts, &skipped).await {
            Ok(()) => return,
            Err(err) if attempts.len() + skipped.len() == 1 => {
                tracing::error!(error = %err, "recording an attempt failed");
            }
            Err(err) => {
                tracing::error!(error = %err, attempts = attempts.len(), "recording a batch failed; recording its items one by one");
                crate::metrics::recording_failure("isolated");
            }
        }
        for attempt in attempts {
            self.record_attempt_alone(attempt).await;
        }
        for skip in skipped {
            self.record_skip_alone(skip).await;
        }
    }

    /// Records one attempt, retrying while the database is away. After [`TRIES_ALONE`] failures it is
    /// stored without the receiver's answer (the part a receiver controls); only when even that fails
    /// is the database itself the problem, and the attempt waits for it.
    async fn record_attempt_alone(&self, attempt: AttemptRecord) {
        let mut backoff = Duration::from_millis(100);
        let mut tries = 0;
        loop {
            tries += 1;
            match self.write(std::slice::from_ref(&attempt), &[]).await {
                Ok(()) => return,
                Err(err) => {
                    tracing::error!(error = %err, delivery_id = %attempt.delivery_id, tries, "recording an attempt failed")
                }
            }
            if tries >= TRIES_ALONE {
                match self.write(&[without_answer(&attempt)], &[]).await {
                    Ok(()) => {
                        tracing::warn!(delivery_id = %attempt.delivery_id, "stored an attempt without the receiver's answer, which could not be recorded");
                        crate::metrics::recording_failure("without_answer");
                        return;
                    }
                    Err(err) => {
                        tracing::error!(error = %err, delivery_id = %attempt.delivery_id, "the database refuses even a bare attempt; waiting for it");
                        crate::metrics::recording_failure("retrying");
                    }
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Records one state change without an attempt; after [`TRIES_ALONE`] failures it is given up: no
    /// request was made, and the claim comes back when its lease ends.
    async fn record_skip_alone(&self, skip: Skipped) {
        let mut backoff = Duration::from_millis(100);
        for tries in 1..=TRIES_ALONE {
            match self.write(&[], std::slice::from_ref(&skip)).await {
                Ok(()) => return,
                Err(err) => {
                    tracing::error!(error = %err, delivery_id = %skip.id, tries, "recording a state change failed")
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        tracing::error!(delivery_id = %skip.id, "gave up a state change; the delivery is claimed again when its lease ends");
        crate::metrics::recording_failure("dropped_skip");
    }

    /// One transaction; reports to the engine's health and acts on what the batch changed.
    async fn write(&self, attempts: &[AttemptRecord], skipped: &[Skipped]) -> Result<(), StoreError> {
        let rules = DeliveryRules { disable_after: self.thresholds.disable_after };
        let summary = match self
            .store
            .record_attempts(attempts, skipped, &rules, self.thresholds.alert_after_failures, Timestamp::now())
            .await
        {
            Ok(summary) => summary,
            Err(err) => {
                self.health.recording_failed();
                return Err(err);
            }
        };
        self.health.recording_works();
        if summary.stale > 0 {
            tracing::warn!(count = summary.stale, "outcomes of superseded claims were not applied");
            crate::metrics::stale_outcomes(summary.stale);
        }
        if !summary.alerts.is_empty() {
            self.alerts_due.notify_one();
        }
        for (endpoint, reason) in summary.disabled {
            tracing::warn!(
                client_uuid = %endpoint.client_uuid,
                environment = %endpoint.environment,
                reason = %reason,
                "endpoint disabled; its notifications are held until it is re-enabled"
            );
        }
        Ok(())
    }
}

/// The attempt without what the receiver sent back (its headers and body), and without the rejection
/// notice it would cause: what is left is ours and can always be stored.
fn without_answer(attempt: &AttemptRecord) -> AttemptRecord {
    AttemptRecord {
        response_headers: Vec::new(),
        response_body: String::new(),
        response_truncated: false,
        error_message: Some(match attempt.response_status {
            Some(status) => format!("the receiver answered {status}; its answer could not be recorded"),
            None => "the attempt's details could not be recorded".to_owned(),
        }),
        notice: None,
        ..attempt.clone()
    }
}
