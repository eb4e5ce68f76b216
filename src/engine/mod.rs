//! The delivery engine: background tasks that deliver stored notifications as signed webhooks, with
//! retries, per-endpoint fairness and every attempt on record.
//!
//! - [`ingest_queue`]: events are recorded by one writer, many per transaction (group commit);
//! - [`dispatcher`]: claims due notifications under a lease and sends them, at most a few at a time per
//!   endpoint, never holding a database connection across an HTTP call;
//! - [`recorder`]: writes attempts and their consequences in batches;
//! - [`retry`]: the schedule and the rules for what an attempt's result means;
//! - [`delivery_client`], [`ssrf`], [`signing`]: one signed HTTP attempt to a vetted destination.

pub mod alerts;
pub mod delivery_client;
pub mod dispatcher;
pub mod due;
pub mod health;
pub mod ingest_queue;
mod listener;
pub mod recorded;
mod recorder;
mod rejection;
pub mod retention;
pub mod retry;
pub mod rules;
pub mod signing;
pub mod ssrf;
mod sweeper;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, broadcast, mpsc, watch};
use tokio::task::JoinHandle;

use crate::store::{NativePool, Store};
use delivery_client::{DeliveryClient, DeliveryClientConfig};
use retry::RetryPolicy;

/// The engine's settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Retries of notifications.
    pub retry: RetryPolicy,
    /// Retries of Data Webhook deliveries (ROOK's schedule: 2h, 24h, 48h).
    pub data_retry: RetryPolicy,
    pub client: DeliveryClientConfig,
    /// Deliveries in flight in this process, all endpoints together.
    pub max_in_flight: usize,
    /// Deliveries in flight to one endpoint from this process.
    pub max_in_flight_per_endpoint: usize,
    /// A request running longer is slow: it stops counting against `max_in_flight`.
    pub slow_after: Duration,
    /// How long a claim lasts; a claim of a crashed process comes back after it.
    pub lease: Duration,
    /// Bytes of payloads claimed and in flight in this process at most (a single larger one still goes).
    pub max_in_flight_bytes: usize,
    /// An endpoint failing continuously for this long is disabled.
    pub disable_after: Duration,
    /// How long payloads and records are kept.
    pub retention: retention::RetentionPolicy,
    /// An endpoint failing this many times in a row raises an alert.
    pub alert_after_failures: u32,
    /// Where alerts are POSTed, when configured.
    pub staff_alerts: Option<alerts::StaffAlerts>,
    /// How long shutdown lets deliveries in flight finish (the rest are given back).
    pub shutdown_grace: Duration,
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the delivery client: {0}")]
pub struct EngineError(#[from] reqwest::Error);

/// The running engine's tasks.
pub struct Engine {
    stop: watch::Sender<bool>,
    dispatcher: JoinHandle<()>,
    recorder: JoinHandle<()>,
    listener: Option<JoinHandle<()>>,
    sweeper: Option<JoinHandle<()>>,
    retention: JoinHandle<()>,
    alerts: Option<JoinHandle<()>>,
}

impl Engine {
    /// Starts the dispatcher and the recorder (and, on Postgres, a listener that wakes the dispatcher
    /// when another process records due work). `due` wakes the dispatcher; `recorded` tells live feeds
    /// whose notifications each recorded batch changed.
    pub fn start(
        store: Store,
        config: EngineConfig,
        due: Arc<due::DueSignal>,
        health: Arc<health::EngineHealth>,
        recorded: broadcast::Sender<recorded::Recorded>,
    ) -> Result<Self, EngineError> {
        let client = DeliveryClient::new(config.client.clone())?;
        let (stop, stopped) = watch::channel(false);
        let (finished_tx, finished_rx) = mpsc::channel(config.max_in_flight.max(16) * 4);
        let alerts_due = Arc::new(Notify::new());
        let thresholds = recorder::Thresholds {
            disable_after: config.disable_after,
            alert_after_failures: config.alert_after_failures,
        };
        let recorder = tokio::spawn(recorder::run(
            store.clone(),
            finished_rx,
            thresholds,
            due.clone(),
            alerts_due.clone(),
            health,
            recorded,
        ));
        let alerts = match &config.staff_alerts {
            Some(target) => {
                // The staff alert URL is ROOK's own, set by the operator: private addresses are fine.
                let alert_client = DeliveryClient::new(DeliveryClientConfig {
                    allow_private_destinations: true,
                    ..config.client.clone()
                })?;
                Some(tokio::spawn(alerts::run(
                    store.clone(),
                    alert_client,
                    target.clone(),
                    alerts_due,
                    stopped.clone(),
                )))
            }
            None => None,
        };
        let retention = tokio::spawn(retention::run(store.clone(), config.retention, stopped.clone()));
        let dispatcher =
            tokio::spawn(dispatcher::run(store.clone(), client, config, due.clone(), finished_tx, stopped.clone()));
        let (listener, sweeper) = match store.native() {
            NativePool::Postgres(pool) => (
                Some(tokio::spawn(listener::run(pool.clone(), store.instance().to_owned(), due, stopped.clone()))),
                Some(tokio::spawn(sweeper::run(store.clone(), stopped))),
            ),
            NativePool::Sqlite(_) => (None, None),
        };
        Ok(Engine { stop, dispatcher, recorder, listener, sweeper, retention, alerts })
    }

    /// Stops claiming, lets deliveries in flight finish within `grace` (the rest are given back for
    /// another process or the next start), and records what finished — all within `grace`.
    pub async fn shutdown(self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        let _ = self.stop.send(true);
        if tokio::time::timeout_at(deadline, self.dispatcher).await.is_err() {
            tracing::warn!("the dispatcher did not stop in time");
        }
        // The dispatcher dropped its sender: the recorder writes what is left and ends. What it cannot
        // write in time is not lost: those claims come back when their lease ends.
        if tokio::time::timeout_at(deadline, self.recorder).await.is_err() {
            tracing::warn!("the recorder did not finish in time");
        }
        for task in [self.listener, self.sweeper].into_iter().flatten() {
            task.abort();
        }
        self.retention.abort();
        if let Some(alerts) = self.alerts {
            alerts.abort();
        }
    }
}
