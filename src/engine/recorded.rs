//! What this process tells open live feeds: which clients' notifications were just written. The
//! ingest writer announces new notifications after each commit; the recorder announces the clients
//! whose notifications got an attempt (or changed state without one) after each batch. A feed then
//! looks again with its own query; the signal names clients, not rows, so it never carries what a
//! feed's viewer may not see.

use tokio::sync::broadcast;

/// One announcement, after the commit that it describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// This client has new notifications.
    New(String),
    /// Notifications of this client changed: an attempt finished, or their state changed without one.
    Changed(String),
}

impl Recorded {
    /// The client it is about.
    pub fn client_uuid(&self) -> &str {
        match self {
            Recorded::New(client) | Recorded::Changed(client) => client,
        }
    }
}

/// Sends one announcement per client named, each once. Nobody listening is fine: no feed is open.
pub fn announce<'a>(
    signal: &broadcast::Sender<Recorded>,
    clients: impl IntoIterator<Item = &'a str>,
    what: fn(String) -> Recorded,
) {
    let mut clients: Vec<&str> = clients.into_iter().collect();
    clients.sort_unstable();
    clients.dedup();
    for client in clients {
        let _ = signal.send(what(client.to_owned()));
    }
}
