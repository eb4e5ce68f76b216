//! Prometheus metrics: what was ingested, every attempt's outcome and duration, how long events wait
//! for their first attempt, and (read at scrape time) the queue and disabled endpoints.

use std::sync::OnceLock;
use std::time::Duration;

use app::timestamp::Timestamp;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::store::{Channel, Store};

/// Events recorded through the API, by notification type.
pub const EVENTS_INGESTED: &str = "rook_notify_events_ingested_total";
/// Events each ingest transaction recorded (group commit: every request waiting when the writer
/// turns to the next batch goes into one transaction).
pub const INGEST_BATCH_EVENTS: &str = "rook_notify_ingest_batch_events";
/// How long each ingest transaction took, from asking for the write lock to its commit. With
/// `rook_notify_ingest_batch_events` this says what bounds ingestion: transactions that take most of
/// each second mean the database writer is the limit; short ones with small batches mean requests
/// arrive slower than it records them.
pub const INGEST_TRANSACTION_DURATION: &str = "rook_notify_ingest_transaction_duration_seconds";
/// Data deliveries handed over through the API.
pub const DATA_DELIVERIES_RECEIVED: &str = "rook_notify_data_deliveries_received_total";
/// Delivery attempts, by channel, outcome and error kind.
pub const ATTEMPTS: &str = "rook_notify_attempts_total";
/// How long each attempt took, by channel.
pub const ATTEMPT_DURATION: &str = "rook_notify_attempt_duration_seconds";
/// From recording to the first attempt, by channel.
pub const FIRST_ATTEMPT_LATENCY: &str = "rook_notify_first_attempt_latency_seconds";
/// Deliveries due now or scheduled for a retry, by channel.
pub const QUEUE_DEPTH: &str = "rook_notify_queue_depth";
/// How long the oldest due delivery has waited, by channel.
pub const OLDEST_DUE_AGE: &str = "rook_notify_oldest_due_age_seconds";
/// Batches of attempts the recorder could not write, by what it did next.
pub const RECORDING_FAILURES: &str = "rook_notify_recording_failures_total";
/// 1 while recording attempts keeps failing (the process is then not ready), else 0.
pub const RECORDING_FAILING: &str = "rook_notify_recording_failing";
/// Outcomes not applied because a newer claim of the same delivery superseded theirs.
pub const STALE_OUTCOMES: &str = "rook_notify_stale_outcomes_total";
/// Deliveries claimed for an attempt, by channel and how: `at_ingest` (recorded already claimed and
/// handed to the dispatcher) or `claim` (by a claim statement).
pub const CLAIMS: &str = "rook_notify_claims_total";
/// SQLite only: pages in the WAL at the last background checkpoint.
pub const WAL_PAGES: &str = "rook_notify_sqlite_wal_pages";
/// Postgres only: how long each sweep behind the claims' fronts took (it reads the index entries that
/// claims left dead, so it grows with them until a vacuum).
pub const FRONT_SWEEP_DURATION: &str = "rook_notify_front_sweep_duration_seconds";
/// Postgres only: endpoints found with a row due behind their claims' front (each read from the start
/// again): a steady rate means commits slower than the fronts' slack, or clocks that disagree.
pub const FRONTS_FORGOTTEN: &str = "rook_notify_fronts_forgotten_total";
/// Endpoints whose Notification Webhook subscription is disabled.
pub const ENDPOINTS_DISABLED: &str = "rook_notify_endpoints_disabled";

const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];
/// An ingest transaction records 1 to [`crate::engine::ingest_queue::MAX_BATCH`] events (powers of two up
/// to it).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// The process's metrics recorder, installed on first use (one per process, shared by every server
/// built in it).
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(INGEST_BATCH_EVENTS.to_owned()), BATCH_BUCKETS))
                .unwrap_or_else(|_| PrometheusBuilder::new());
            match builder.install_recorder() {
                Ok(handle) => handle,
                // Another recorder was installed first (a test harness): render this one anyway.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

/// Folds the histograms' samples recorded since the last time into their buckets. Until then the
/// recorder keeps every observation, one or two per attempt; its own upkeep task runs only with the
/// exporter's HTTP listener, which the service does not use, so without this a process that nobody
/// scrapes grows by every attempt it makes (about 35 MiB over a million deliveries, BENCHMARKS.md).
/// Call it every few seconds.
pub fn upkeep() {
    handle().run_upkeep();
}

/// Counts an event recorded through the API.
pub fn event_ingested(kind: app::vocab::NotificationType) {
    metrics::counter!(EVENTS_INGESTED, "type" => kind.as_str()).increment(1);
}

/// One ingest transaction that committed: how many events it recorded and how long it took.
pub fn ingest_batch(events: usize, took: Duration) {
    #[allow(clippy::cast_precision_loss)] // at most 512
    metrics::histogram!(INGEST_BATCH_EVENTS).record(events as f64);
    metrics::histogram!(INGEST_TRANSACTION_DURATION).record(took.as_secs_f64());
}

/// Counts a failure to record, with what the recorder did about it (`isolated`: the batch is recorded
/// one by one; `without_answer`: an attempt stored without the receiver's answer; `dropped_skip`: a
/// state change given up, its claim comes back after the lease; `retrying`: the database is away).
pub fn recording_failure(action: &'static str) {
    metrics::counter!(RECORDING_FAILURES, "action" => action).increment(1);
}

/// Whether recording attempts is failing now.
pub fn recording_failing(failing: bool) {
    metrics::gauge!(RECORDING_FAILING).set(if failing { 1.0 } else { 0.0 });
}

/// Counts outcomes of superseded claims that were not applied.
pub fn stale_outcomes(count: usize) {
    metrics::counter!(STALE_OUTCOMES).increment(u64::try_from(count).unwrap_or(u64::MAX));
}

/// The SQLite WAL's size in pages at the last checkpoint (how far checkpoints trail the writer).
pub fn wal_pages(pages: i64) {
    #[allow(clippy::cast_precision_loss)] // a page count is far below 2^52
    metrics::gauge!(WAL_PAGES).set(pages as f64);
}

/// One sweep behind the claims' fronts: how long it took and how many fronts it forgot.
pub fn front_sweep(took: Duration, forgotten: usize) {
    metrics::histogram!(FRONT_SWEEP_DURATION).record(took.as_secs_f64());
    metrics::counter!(FRONTS_FORGOTTEN).increment(u64::try_from(forgotten).unwrap_or(u64::MAX));
}

/// Counts a data delivery handed over.
pub fn data_delivery_received() {
    metrics::counter!(DATA_DELIVERIES_RECEIVED).increment(1);
}

fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Notification => "notification",
        Channel::Data => "data",
    }
}

/// Counts deliveries claimed: `at_ingest` when recorded already claimed, else by a claim statement.
pub fn claimed(channel: Channel, count: usize, at_ingest: bool) {
    let how = if at_ingest { "at_ingest" } else { "claim" };
    metrics::counter!(CLAIMS, "channel" => channel_label(channel), "how" => how).increment(count as u64);
}

/// Records one attempt: its outcome, its duration, and for a first attempt how long it waited.
pub fn attempt(
    channel: Channel,
    succeeded: bool,
    error_kind: Option<app::vocab::AttemptErrorKind>,
    duration: Duration,
    first_attempt_wait: Option<Duration>,
) {
    let channel = channel_label(channel);
    let outcome = if succeeded { "succeeded" } else { "failed" };
    let kind = error_kind.map_or("none", |k| k.as_str());
    metrics::counter!(ATTEMPTS, "channel" => channel, "outcome" => outcome, "error_kind" => kind).increment(1);
    metrics::histogram!(ATTEMPT_DURATION, "channel" => channel).record(duration.as_secs_f64());
    if let Some(wait) = first_attempt_wait {
        metrics::histogram!(FIRST_ATTEMPT_LATENCY, "channel" => channel).record(wait.as_secs_f64());
    }
}

/// `GET /metrics`: the Prometheus text format, with the queue figures read now.
pub async fn scrape(State(store): State<Store>) -> impl IntoResponse {
    let now = Timestamp::now();
    for channel in [Channel::Notification, Channel::Data] {
        match store.queue_depth(channel, now).await {
            Ok((depth, oldest)) => {
                let label = channel_label(channel);
                metrics::gauge!(QUEUE_DEPTH, "channel" => label).set(depth as f64);
                let age = oldest.map_or(0.0, |t| (now.as_micros() - t.as_micros()).max(0) as f64 / 1e6);
                metrics::gauge!(OLDEST_DUE_AGE, "channel" => label).set(age);
            }
            Err(err) => tracing::warn!(error = %err, "metrics: reading the queue failed"),
        }
    }
    match store.disabled_endpoints().await {
        Ok(count) => metrics::gauge!(ENDPOINTS_DISABLED).set(count as f64),
        Err(err) => tracing::warn!(error = %err, "metrics: counting disabled endpoints failed"),
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle().render())
}

/// The metrics route on its own, for a separate listen address or the main router.
pub fn router(store: Store) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(scrape)).with_state(store)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{attempt, handle, upkeep};
    use crate::store::Channel;

    /// The `_count` line of the data channel's attempt durations, as rendered.
    fn data_attempts_counted() -> u64 {
        let rendered = handle().render();
        rendered
            .lines()
            .find(|line| line.starts_with("rook_notify_attempt_duration_seconds_count{channel=\"data\"}"))
            .and_then(|line| line.rsplit(' ').next())
            .map_or(0, |n| n.parse().unwrap())
    }

    #[test]
    fn upkeep_folds_samples_into_the_histograms_without_losing_one() {
        let before = data_attempts_counted();
        for ms in [1, 30, 700] {
            attempt(Channel::Data, true, None, Duration::from_millis(ms), None);
        }
        upkeep();
        upkeep();
        assert_eq!(data_attempts_counted(), before + 3);
    }
}
