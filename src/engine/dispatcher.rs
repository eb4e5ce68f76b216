//! Claims due notifications and delivers them.
//!
//! Fairness: each endpoint has a few delivery slots in this process; an endpoint whose slots and
//! small queue are full is left out of the next claims, so a slow or dead endpoint never holds back
//! the others, and its retries never crowd out first attempts elsewhere.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use app::timestamp::Timestamp;
use app::vocab::{AttemptErrorKind, NotificationStatus, SubscriptionState};
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::EngineConfig;
use super::delivery_client::{AttemptOutcome, DeliveryClient, OutgoingRequest};
use super::recorder::Finished;
use super::retry::{AttemptResult, RetryPolicy};
use super::signing::{rook_hash, standard_signature};
use crate::store::{AttemptRecord, ClaimedNotification, EndpointConfig, EndpointKey, NextState, Store};

/// The longest the dispatcher sleeps without looking for due work (a safety net: new work and
/// finished attempts wake it at once).
const MAX_IDLE: Duration = Duration::from_secs(5);
/// How long an endpoint whose notification could not be signed waits before the next try.
const UNSIGNABLE_RETRY: i64 = 60;

/// This process's bookkeeping of claimed notifications per endpoint.
struct Slots {
    per_endpoint: usize,
    endpoints: Mutex<HashMap<EndpointKey, Endpoint>>,
    /// Ids claimed and not yet handed to the recorder (given back on shutdown).
    claimed: Mutex<HashSet<String>>,
}

struct Endpoint {
    /// Delivery slots: `per_endpoint` requests at a time.
    sending: Arc<Semaphore>,
    /// Claimed and not finished (sending or waiting for a slot).
    claimed: usize,
}

impl Slots {
    /// Endpoints with as many claimed notifications as they may have: left out of the next claim.
    fn saturated(&self) -> Vec<EndpointKey> {
        let budget = self.per_endpoint * 2;
        let endpoints = self.endpoints.lock().unwrap_or_else(|e| e.into_inner());
        endpoints.iter().filter(|(_, e)| e.claimed >= budget).map(|(k, _)| k.clone()).collect()
    }

    fn take(&self, key: &EndpointKey, id: &str) -> Arc<Semaphore> {
        self.claimed.lock().unwrap_or_else(|e| e.into_inner()).insert(id.to_owned());
        let mut endpoints = self.endpoints.lock().unwrap_or_else(|e| e.into_inner());
        let endpoint = endpoints
            .entry(key.clone())
            .or_insert_with(|| Endpoint { sending: Arc::new(Semaphore::new(self.per_endpoint)), claimed: 0 });
        endpoint.claimed += 1;
        endpoint.sending.clone()
    }

    fn give_back(&self, key: &EndpointKey, id: &str) {
        self.claimed.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
        let mut endpoints = self.endpoints.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(endpoint) = endpoints.get_mut(key) {
            endpoint.claimed = endpoint.claimed.saturating_sub(1);
            if endpoint.claimed == 0 {
                endpoints.remove(key);
            }
        }
    }

    fn claimed_ids(&self) -> Vec<String> {
        self.claimed.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect()
    }
}

/// What every delivery task shares.
struct Shared {
    client: DeliveryClient,
    retry: RetryPolicy,
    finished: mpsc::Sender<Finished>,
    slots: Slots,
    capacity_freed: Notify,
}

pub(super) async fn run(
    store: Store,
    client: DeliveryClient,
    config: EngineConfig,
    due: Arc<Notify>,
    finished: mpsc::Sender<Finished>,
    mut stopped: watch::Receiver<bool>,
) {
    let shared = Arc::new(Shared {
        client,
        retry: config.retry.clone(),
        finished,
        slots: Slots {
            per_endpoint: config.max_in_flight_per_endpoint.max(1),
            endpoints: Mutex::new(HashMap::new()),
            claimed: Mutex::new(HashSet::new()),
        },
        capacity_freed: Notify::new(),
    });
    let lease_micros = i64::try_from(config.lease.as_micros()).unwrap_or(i64::MAX);
    let mut tasks = JoinSet::new();

    while !*stopped.borrow() {
        while tasks.try_join_next().is_some() {}
        let room = config.max_in_flight.saturating_sub(tasks.len());
        if room == 0 {
            tokio::select! {
                () = shared.capacity_freed.notified() => {}
                _ = stopped.changed() => {}
            }
            continue;
        }
        let now = Timestamp::now();
        let limit = u32::try_from(room).unwrap_or(u32::MAX).min(config.claim_batch);
        let per_claim = u32::try_from(shared.slots.per_endpoint * 2).unwrap_or(8);
        let claimed = match store
            .claim_due(now, now.plus_micros(lease_micros), limit, per_claim, &shared.slots.saturated())
            .await
        {
            Ok(claimed) => claimed,
            Err(err) => {
                tracing::error!(error = %err, "claiming due notifications failed");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stopped.changed() => {}
                }
                continue;
            }
        };
        if claimed.is_empty() {
            let wait = match store.next_due_at(now).await {
                Ok(Some(next)) => Duration::from_micros(u64::try_from(next.as_micros() - now.as_micros()).unwrap_or(0)),
                Ok(None) => MAX_IDLE,
                Err(err) => {
                    tracing::warn!(error = %err, "reading the next due time failed");
                    MAX_IDLE
                }
            };
            tokio::select! {
                () = due.notified() => {}
                () = shared.capacity_freed.notified() => {}
                () = tokio::time::sleep(wait.min(MAX_IDLE)) => {}
                _ = stopped.changed() => {}
            }
            continue;
        }

        let keys: Vec<EndpointKey> =
            claimed.iter().map(|c| c.endpoint.clone()).collect::<HashSet<_>>().into_iter().collect();
        let configs = match store.endpoint_configs(&keys, now).await {
            Ok(configs) => configs,
            Err(err) => {
                tracing::error!(error = %err, "reading endpoint settings failed; claims will be retried after their lease");
                continue;
            }
        };
        let configs: HashMap<EndpointKey, Arc<EndpointConfig>> =
            configs.into_iter().map(|(k, v)| (k, Arc::new(v))).collect();
        for notification in claimed {
            let sending = shared.slots.take(&notification.endpoint, &notification.id);
            let config = configs.get(&notification.endpoint).cloned();
            let shared = shared.clone();
            tasks.spawn(async move {
                let key = notification.endpoint.clone();
                let id = notification.id.clone();
                let finished = match config {
                    Some(config) if config.state == SubscriptionState::Active && config.url.is_some() => {
                        // Wait for one of the endpoint's slots; the claim is ours meanwhile.
                        let _slot = sending.acquire_owned().await;
                        deliver(&shared, notification, &config).await
                    }
                    // Switched off or disabled since it was due: the store turns this into
                    // `not_subscribed` or `held`.
                    _ => Finished::Skipped {
                        id: id.clone(),
                        next: NextState { status: NotificationStatus::Pending, next_attempt_at: None, resume_at: None },
                    },
                };
                let _ = shared.finished.send(finished).await;
                shared.slots.give_back(&key, &id);
                shared.capacity_freed.notify_one();
            });
        }
    }

    // Stopping: no new claims. Let what is in flight finish within the lease, then give back the rest.
    let grace = config.client.timeout + Duration::from_secs(2);
    let drained = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tasks.abort_all();
        let unfinished = shared.slots.claimed_ids();
        tracing::warn!(count = unfinished.len(), "giving back deliveries that did not finish before shutdown");
        if let Err(err) = store.release_claims(&unfinished).await {
            tracing::warn!(error = %err, "giving back claims failed; they return when their lease ends");
        }
    }
}

/// Signs and sends one notification, and describes the attempt for the recorder.
async fn deliver(shared: &Shared, notification: ClaimedNotification, config: &EndpointConfig) -> Finished {
    let url = config.url.clone().unwrap_or_default();
    let sent_at = Timestamp::now();
    let request = match signed_request(&notification, config, &url, sent_at) {
        Ok(request) => request,
        Err(reason) => {
            tracing::error!(notification_id = %notification.id, %reason, "cannot sign; will try again later");
            return Finished::Skipped {
                id: notification.id,
                next: NextState {
                    status: if notification.attempt_count == 0 {
                        NotificationStatus::Pending
                    } else {
                        NotificationStatus::Retrying
                    },
                    next_attempt_at: Some(sent_at.plus_seconds(UNSIGNABLE_RETRY)),
                    resume_at: notification.resume_at,
                },
            };
        }
    };
    let outcome = shared.client.send(&request).await;
    let result = attempt_result(&outcome);
    let next = shared.retry.next_state(&notification, result, Timestamp::now());
    Finished::Attempt(Box::new(attempt_record(notification, request, outcome, result, next)))
}

/// The request with this attempt's Standard Webhooks headers (and `x-rook-hash` when the client has a
/// ROOK hash key). The body is the stored bytes, untouched.
fn signed_request(
    notification: &ClaimedNotification,
    config: &EndpointConfig,
    url: &str,
    sent_at: Timestamp,
) -> Result<OutgoingRequest, String> {
    if config.secrets.is_empty() {
        return Err("the endpoint has no signing secret".to_owned());
    }
    let timestamp = sent_at.as_unix_seconds();
    let secrets: Vec<&str> = config.secrets.iter().map(String::as_str).collect();
    let signature =
        standard_signature(&secrets, &notification.id, timestamp, &notification.body).map_err(|e| e.to_string())?;
    let mut headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("webhook-id".to_owned(), notification.id.clone()),
        ("webhook-timestamp".to_owned(), timestamp.to_string()),
        ("webhook-signature".to_owned(), signature),
    ];
    if let Some(key) = &config.rook_hash_key {
        let datetime = notification.occurred_at.to_rfc3339();
        let hash = rook_hash(key, &notification.endpoint.client_uuid, notification.user_id.as_deref(), &datetime);
        headers.push(("x-rook-hash".to_owned(), hash));
    }
    Ok(OutgoingRequest { url: url.to_owned(), headers, body: notification.body.clone() })
}

fn attempt_result(outcome: &AttemptOutcome) -> AttemptResult {
    if outcome.succeeded() {
        AttemptResult::Succeeded
    } else if outcome.status == Some(410) {
        AttemptResult::Gone
    } else {
        AttemptResult::Failed { retry_after: outcome.retry_after }
    }
}

fn attempt_record(
    notification: ClaimedNotification,
    request: OutgoingRequest,
    outcome: AttemptOutcome,
    result: AttemptResult,
    next: NextState,
) -> AttemptRecord {
    let started_at = outcome
        .started_at
        .duration_since(UNIX_EPOCH)
        .map(|d| Timestamp::from_micros(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)))
        .unwrap_or_else(|_| Timestamp::now());
    let succeeded = result == AttemptResult::Succeeded;
    let (error_kind, error_message) = match &outcome.error {
        Some(error) => (Some(error.kind), Some(error.message.clone())),
        None if !succeeded => {
            (Some(AttemptErrorKind::HttpStatus), outcome.status.map(|s| format!("the receiver answered {s}")))
        }
        None => (None, None),
    };
    AttemptRecord {
        attempt_number: notification.attempt_count + 1,
        trigger: notification.trigger,
        triggered_by: notification.triggered_by,
        notification_id: notification.id,
        endpoint: notification.endpoint,
        started_at,
        duration_micros: i64::try_from(outcome.duration.as_micros()).unwrap_or(i64::MAX),
        url: request.url,
        request_headers: request.headers,
        response_status: outcome.status,
        response_headers: outcome.response_headers,
        response_body: outcome.body_excerpt,
        response_truncated: outcome.body_truncated,
        error_kind,
        error_message,
        succeeded,
        gone: result == AttemptResult::Gone,
        next,
    }
}
