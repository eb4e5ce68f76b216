//! Group commit for ingestion: requests hand their event to one writer task, which records everything
//! queued in one transaction and answers each request after the commit. One fsync then serves many
//! events, and SQLite keeps a single writer.
//!
//! While a dispatcher runs in this process, the notifications it has room for, at endpoints without
//! due work waiting, are recorded claimed by it and handed to it after the commit (its `Inbox`): a new
//! notification goes out without waiting for a claim. Whether due work waits is read in the recording
//! transaction on SQLite. On Postgres that read goes through the index entries that claims and
//! deliveries left dead until vacuum, and at a few hundred thousand rows it cost tens of milliseconds
//! per batch (ingest while delivering fell below 555 events/s at a million rows), so there the process
//! goes by what it knows (`DueSignal::has_backlog`): what it recorded and did not take, and what its
//! dispatcher found due, until a claim finds the endpoint drained.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use app::timestamp::Timestamp;
use app::vocab::NotificationStatus;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast, mpsc, oneshot};

use super::due::DueSignal;
use super::recorded::{self, Recorded};

use crate::store::{
    Channel, ClaimedDelivery, Dialect, EndpointKey, IngestClaim, IngestItem, IngestOutcome, Store, StoreError,
};

/// How many events one transaction records at most.
pub const MAX_BATCH: usize = 512;

/// Ingest requests waiting to be recorded at most, by default.
pub const DEFAULT_MAX_PENDING: usize = 4096;

/// Why an event was not recorded. Nothing of it was written in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    /// As many requests as allowed are waiting already: the caller is to come back later.
    #[error("too many events are waiting to be recorded")]
    Overloaded,
    /// The database has no room.
    #[error("the database is full")]
    StorageFull,
    /// The database could not be reached: a retry may succeed.
    #[error("the database is unavailable")]
    Unavailable,
    /// The database refused a value of the event as data it cannot hold.
    #[error("the event holds a value that cannot be stored")]
    Unstorable,
    /// The writer failed; the cause is logged.
    #[error("the event could not be recorded")]
    Failed,
}

type Pending = (IngestItem, oneshot::Sender<Result<IngestOutcome, IngestError>>);

/// The way into the writer; cheap to clone.
#[derive(Clone)]
pub struct IngestQueue {
    tx: mpsc::Sender<Pending>,
    /// One permit per request waiting to be recorded: beyond the bound, requests are refused at once
    /// instead of queueing without limit (each one a task, a connection and its body held in memory).
    admission: Arc<Semaphore>,
    max_pending: usize,
}

impl IngestQueue {
    /// Starts the writer task. `due` is signalled after each commit that recorded something, so the
    /// dispatcher starts delivering at once; `recorded` hears the client UUIDs that have new
    /// notifications (live feeds listen to it). At most `max_pending` requests wait at once.
    pub fn start(store: Store, due: Arc<DueSignal>, recorded: broadcast::Sender<Recorded>, max_pending: usize) -> Self {
        let max_pending = max_pending.max(1);
        // Room for every admitted request, so an admitted one never waits for the channel.
        let (tx, rx) = mpsc::channel::<Pending>(max_pending);
        tokio::spawn(write_batches(store, rx, due, recorded));
        IngestQueue { tx, admission: Arc::new(Semaphore::new(max_pending)), max_pending }
    }

    /// A place among the requests waiting to be recorded, held until the request is answered; also
    /// for writes that do not go through this writer (data deliveries), so one bound covers all
    /// ingestion.
    pub fn admit(&self) -> Result<OwnedSemaphorePermit, IngestError> {
        self.admission.clone().try_acquire_owned().map_err(|_| IngestError::Overloaded)
    }

    /// How many ingest requests are admitted and not answered yet.
    pub fn waiting(&self) -> usize {
        self.max_pending - self.admission.available_permits()
    }

    /// Records one event; returns once it is committed.
    pub async fn submit(&self, item: IngestItem) -> Result<IngestOutcome, IngestError> {
        let _admitted = self.admit()?;
        let (reply, answer) = oneshot::channel();
        self.tx.try_send((item, reply)).map_err(|err| match err {
            mpsc::error::TrySendError::Full(_) => IngestError::Overloaded,
            mpsc::error::TrySendError::Closed(_) => IngestError::Failed,
        })?;
        answer.await.map_err(|_| IngestError::Failed)?
    }
}

async fn write_batches(
    store: Store,
    mut rx: mpsc::Receiver<Pending>,
    due: Arc<DueSignal>,
    recorded: broadcast::Sender<Recorded>,
) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (items, replies): (Vec<IngestItem>, Vec<_>) = batch.drain(..).unzip();
        let started = Instant::now();
        match record(&store, &items, &due).await {
            Ok((outcomes, claimed)) => {
                crate::metrics::ingest_batch(items.len(), started.elapsed());
                let taken: HashSet<String> = claimed.iter().map(|d| d.id.clone()).collect();
                hand(&store, &due, claimed).await;
                announce(&items, &outcomes, &taken, &due, &recorded);
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            // One event the database refuses must not fail the others it was batched with: each is
            // recorded (or refused) on its own.
            Err(StoreError::UnstorableValue(_)) if items.len() > 1 => {
                for (item, reply) in items.iter().zip(replies) {
                    let one = std::slice::from_ref(item);
                    match store.ingest(one, Timestamp::now()).await {
                        Ok(mut outcomes) => {
                            announce(one, &outcomes, &HashSet::new(), &due, &recorded);
                            let _ = reply.send(outcomes.pop().ok_or(IngestError::Failed));
                        }
                        Err(err) => {
                            let _ = reply.send(Err(refused(&err, 1)));
                        }
                    }
                }
            }
            Err(err) => {
                let answer = refused(&err, items.len());
                for reply in replies {
                    let _ = reply.send(Err(answer));
                }
            }
        }
    }
}

/// Records a batch; while a dispatcher runs in this process, claims for it what it has room for at
/// endpoints without due work waiting (what is not recorded is given back to it).
async fn record(
    store: &Store,
    items: &[IngestItem],
    due: &DueSignal,
) -> Result<(Vec<IngestOutcome>, Vec<ClaimedDelivery>), StoreError> {
    let Some(inbox) = due.inbox() else { return store.ingest_claiming(items, Timestamp::now(), None).await };
    // Whether an endpoint has due work waiting: SQLite's transaction reads it (exact, and cheap);
    // Postgres's would read the dead index entries of claimed and delivered rows, so there the
    // process's own knowledge stands in (`DueSignal::has_backlog`).
    let probe_backlog = store.dialect() == Dialect::Sqlite;
    let mut reserved: Vec<(EndpointKey, usize)> = Vec::new();
    let mut take = |endpoint: &EndpointKey, bytes: usize| {
        let taken = (probe_backlog || !due.has_backlog(endpoint)) && inbox.reserve(endpoint, bytes);
        if taken {
            reserved.push((endpoint.clone(), bytes));
        }
        taken
    };
    let claim = IngestClaim { lease_until: inbox.lease_until(), take: &mut take, probe_backlog };
    let recorded = store.ingest_claiming(items, Timestamp::now(), Some(claim)).await;
    if recorded.is_err() {
        for (endpoint, bytes) in &reserved {
            inbox.cancel(endpoint, *bytes);
        }
    }
    recorded
}

/// Hands what a batch claimed to the dispatcher; if it has stopped since, gives the claims back at
/// once (other processes, or the next start, take them).
async fn hand(store: &Store, due: &DueSignal, claimed: Vec<ClaimedDelivery>) {
    if claimed.is_empty() {
        return;
    }
    let unhanded = match due.inbox() {
        Some(inbox) => match inbox.hand(claimed) {
            Ok(()) => return,
            Err(unhanded) => unhanded,
        },
        None => claimed,
    };
    let claims: Vec<(String, Timestamp)> = unhanded.iter().map(|d| (d.id.clone(), d.lease)).collect();
    if let Err(err) = store.release_claims(Channel::Notification, &claims).await {
        tracing::warn!(error = %err, "giving back claims failed; they return when their lease ends");
    }
    due.anywhere();
}

/// The answer to requests whose events were not recorded because of `err` (logged here).
fn refused(err: &StoreError, events: usize) -> IngestError {
    match err {
        StoreError::StorageFull(_) => {
            tracing::error!(error = %err, events, "the database is full: events are refused until space is freed");
            IngestError::StorageFull
        }
        StoreError::UnstorableValue(_) => {
            tracing::warn!(error = %err, "the database refused a value of an event");
            IngestError::Unstorable
        }
        _ if err.is_unavailable() => {
            tracing::warn!(error = %err, events, "the database is unavailable: events are refused until it is back");
            IngestError::Unavailable
        }
        _ => {
            tracing::error!(error = %err, events, "recording events failed");
            IngestError::Failed
        }
    }
}

/// Tells the dispatcher about recorded events it did not take already (`taken`: their ids), marking
/// the endpoints of those that start due as having a backlog, and the live feeds about all.
fn announce(
    items: &[IngestItem],
    outcomes: &[IngestOutcome],
    taken: &HashSet<String>,
    due: &DueSignal,
    recorded: &broadcast::Sender<Recorded>,
) {
    let untaken = || items.iter().zip(outcomes).filter(|(item, _)| !taken.contains(&item.notification.id));
    // Before the next batch is offered: its notifications for these endpoints wait their turn.
    due.mark_backlog(
        untaken()
            .filter(|(_, outcome)| {
                matches!(outcome, IngestOutcome::Recorded { status: NotificationStatus::Pending, .. })
            })
            .map(|(item, _)| item.notification.endpoint()),
    );
    // The dispatcher claims from exactly these endpoints, without scanning for them.
    due.endpoints(untaken().map(|(item, _)| (Channel::Notification, item.notification.endpoint())));
    recorded::announce(recorded, items.iter().map(|i| i.notification.client_uuid.as_str()), Recorded::New);
}
