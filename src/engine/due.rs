//! How the dispatcher hears that work became due: the endpoints that have new work when the one who
//! made it knows them (ingestion, the recorder), or "somewhere" (a resend, a re-enabled endpoint,
//! another process), which makes the dispatcher look at every endpoint.
//!
//! Knowing the endpoints lets the dispatcher claim from exactly those, instead of scanning the whole
//! due backlog for endpoints that still have room.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use app::timestamp::Timestamp;

use tokio::sync::Notify;

use super::dispatcher::Inbox;
use crate::store::{Channel, EndpointKey};

/// Shared by whoever makes work due and the dispatcher.
#[derive(Debug)]
pub struct DueSignal {
    endpoints: Mutex<HashSet<(Channel, EndpointKey)>>,
    look_everywhere: AtomicBool,
    /// The earliest time something is known to fall due (microseconds; `i64::MAX`: none).
    earliest: AtomicI64,
    notify: Notify,
    /// While a dispatcher runs in this process: where new notifications go straight to it.
    inbox: Mutex<Option<Arc<Inbox>>>,
    /// Notification endpoints this process knows to have due work that no claim has taken yet: marked
    /// by ingestion for what it recorded and did not take, and by the dispatcher for what a look at
    /// every endpoint found; unmarked when a claim of the endpoint finds less than it asked for.
    backlog: Mutex<HashSet<EndpointKey>>,
}

impl Default for DueSignal {
    fn default() -> Self {
        DueSignal {
            endpoints: Mutex::default(),
            look_everywhere: AtomicBool::new(false),
            earliest: AtomicI64::new(i64::MAX),
            notify: Notify::new(),
            inbox: Mutex::new(None),
            backlog: Mutex::default(),
        }
    }
}

impl DueSignal {
    /// Work became due at these endpoints.
    pub fn endpoints(&self, keys: impl IntoIterator<Item = (Channel, EndpointKey)>) {
        let mut endpoints = self.endpoints.lock().unwrap_or_else(|e| e.into_inner());
        let before = endpoints.len();
        endpoints.extend(keys);
        // None new: nothing to wake for (one already named was signalled when it was added).
        if endpoints.len() > before {
            self.notify.notify_one();
        }
    }

    /// Work became due, at endpoints the caller does not name.
    pub fn anywhere(&self) {
        self.look_everywhere.store(true, Ordering::Release);
        self.notify.notify_one();
    }

    /// Work will fall due at `at` (a retry just scheduled): the dispatcher looks then.
    pub fn at(&self, at: Timestamp) {
        if self.earliest.fetch_min(at.as_micros(), Ordering::AcqRel) > at.as_micros() {
            self.notify.notify_one();
        }
    }

    /// The earliest time signalled with [`DueSignal::at`] since the last call, if any.
    pub(super) fn take_earliest(&self) -> Option<Timestamp> {
        match self.earliest.swap(i64::MAX, Ordering::AcqRel) {
            i64::MAX => None,
            micros => Some(Timestamp::from_micros(micros)),
        }
    }

    /// What was signalled since the last call: the endpoints named, and whether to look everywhere.
    pub(super) fn take(&self) -> (HashSet<(Channel, EndpointKey)>, bool) {
        let endpoints = std::mem::take(&mut *self.endpoints.lock().unwrap_or_else(|e| e.into_inner()));
        (endpoints, self.look_everywhere.swap(false, Ordering::AcqRel))
    }

    /// Completes when something is signalled (at once if something was since the last wait).
    pub(super) async fn signalled(&self) {
        self.notify.notified().await;
    }

    /// These notification endpoints have due work that no claim has taken yet.
    pub(super) fn mark_backlog(&self, keys: impl IntoIterator<Item = EndpointKey>) {
        self.backlog.lock().unwrap_or_else(|e| e.into_inner()).extend(keys);
    }

    /// A claim of this notification endpoint found less than it asked for: no due work is left there.
    pub(super) fn drained(&self, key: &EndpointKey) {
        self.backlog.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }

    /// Whether this process knows of due work at this notification endpoint that no claim has taken.
    /// Work another process made due is known once a look at every endpoint found it (at least every
    /// second); until then a new notification may go out before it.
    pub(super) fn has_backlog(&self, key: &EndpointKey) -> bool {
        self.backlog.lock().unwrap_or_else(|e| e.into_inner()).contains(key)
    }

    /// The running dispatcher's inbox, if one runs.
    pub(super) fn inbox(&self) -> Option<Arc<Inbox>> {
        self.inbox.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A dispatcher starts taking new notifications through `inbox`.
    pub(super) fn open_inbox(&self, inbox: Arc<Inbox>) {
        *self.inbox.lock().unwrap_or_else(|e| e.into_inner()) = Some(inbox);
    }

    /// The dispatcher that opened `inbox` stops: nothing more is handed to it.
    pub(super) fn close_inbox(&self, inbox: &Arc<Inbox>) {
        let mut open = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        if open.as_ref().is_some_and(|o| Arc::ptr_eq(o, inbox)) {
            *open = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use app::vocab::Environment;

    use super::*;

    fn endpoint(client: &str) -> EndpointKey {
        EndpointKey { client_uuid: client.to_owned(), environment: Environment::Sandbox }
    }

    #[test]
    fn a_backlog_is_known_from_its_mark_until_a_claim_drains_it() {
        let due = DueSignal::default();
        let (a, b) = (endpoint("a"), endpoint("b"));
        assert!(!due.has_backlog(&a), "nothing known at first");
        due.mark_backlog([a.clone(), b.clone()]);
        assert!(due.has_backlog(&a) && due.has_backlog(&b));
        // Told of new work or of finished attempts is not a backlog: only marks are.
        due.endpoints([(Channel::Notification, endpoint("c"))]);
        assert!(!due.has_backlog(&endpoint("c")));
        due.drained(&a);
        assert!(!due.has_backlog(&a), "drained");
        assert!(due.has_backlog(&b), "the other endpoint keeps its backlog");
    }
}
