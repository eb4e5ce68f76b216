//! Group commit for ingestion: requests hand their event to one writer task, which records everything
//! queued in one transaction and answers each request after the commit. One fsync then serves many
//! events, and SQLite keeps a single writer.

use std::sync::Arc;

use app::timestamp::Timestamp;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::due::DueSignal;

use crate::store::{Channel, EndpointKey, IngestItem, IngestOutcome, Store};

/// How many events one transaction records at most.
const MAX_BATCH: usize = 512;

/// The ingest writer could not record an event; the cause is logged.
#[derive(Debug, Clone, Copy, thiserror::Error)]
pub enum IngestFailed {
    /// The database could not be reached: nothing was written, and a retry may succeed.
    #[error("the database is unavailable")]
    Unavailable,
    #[error("the event could not be recorded")]
    Failed,
}

type Pending = (IngestItem, oneshot::Sender<Result<IngestOutcome, IngestFailed>>);

/// The way into the writer; cheap to clone.
#[derive(Clone)]
pub struct IngestQueue {
    tx: mpsc::Sender<Pending>,
}

impl IngestQueue {
    /// Starts the writer task. `due` is signalled after each commit that recorded something, so the
    /// dispatcher starts delivering at once; `recorded` hears the client UUIDs that have new
    /// notifications (live feeds listen to it).
    pub fn start(store: Store, due: Arc<DueSignal>, recorded: broadcast::Sender<String>) -> Self {
        let (tx, rx) = mpsc::channel::<Pending>(MAX_BATCH * 8);
        tokio::spawn(write_batches(store, rx, due, recorded));
        IngestQueue { tx }
    }

    /// Records one event; returns once it is committed.
    pub async fn submit(&self, item: IngestItem) -> Result<IngestOutcome, IngestFailed> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((item, reply)).await.map_err(|_| IngestFailed::Failed)?;
        answer.await.map_err(|_| IngestFailed::Failed)?
    }
}

async fn write_batches(
    store: Store,
    mut rx: mpsc::Receiver<Pending>,
    due: Arc<DueSignal>,
    recorded: broadcast::Sender<String>,
) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (items, replies): (Vec<IngestItem>, Vec<_>) = batch.drain(..).unzip();
        match store.ingest(&items, Timestamp::now()).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
                // The dispatcher claims from exactly these endpoints, without scanning for them.
                due.endpoints(items.iter().map(|i| {
                    let n = &i.notification;
                    (
                        Channel::Notification,
                        EndpointKey { client_uuid: n.client_uuid.clone(), environment: n.environment },
                    )
                }));
                let mut clients: Vec<&str> = items.iter().map(|i| i.notification.client_uuid.as_str()).collect();
                clients.sort_unstable();
                clients.dedup();
                for client in clients {
                    // No listener is fine: nobody has a live feed open.
                    let _ = recorded.send(client.to_owned());
                }
            }
            Err(err) => {
                tracing::error!(error = %err, events = items.len(), "recording events failed");
                let failed = if err.is_unavailable() { IngestFailed::Unavailable } else { IngestFailed::Failed };
                for reply in replies {
                    let _ = reply.send(Err(failed));
                }
            }
        }
    }
}
