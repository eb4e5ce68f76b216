//! How the dispatcher hears that work became due: the endpoints that have new work when the one who
//! made it knows them (ingestion, the recorder), or "somewhere" (a resend, a re-enabled endpoint,
//! another process), which makes the dispatcher look at every endpoint.
//!
//! Knowing the endpoints lets the dispatcher claim from exactly those, instead of scanning the whole
//! due backlog for endpoints that still have room.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use app::timestamp::Timestamp;

use tokio::sync::Notify;

use crate::store::{Channel, EndpointKey};

/// Shared by whoever makes work due and the dispatcher.
#[derive(Debug)]
pub struct DueSignal {
    endpoints: Mutex<HashSet<(Channel, EndpointKey)>>,
    look_everywhere: AtomicBool,
    /// The earliest time something is known to fall due (microseconds; `i64::MAX`: none).
    earliest: AtomicI64,
    notify: Notify,
}

impl Default for DueSignal {
    fn default() -> Self {
        DueSignal {
            endpoints: Mutex::default(),
            look_everywhere: AtomicBool::new(false),
            earliest: AtomicI64::new(i64::MAX),
            notify: Notify::new(),
        }
    }
}

impl DueSignal {
    /// Work became due at these endpoints.
    pub fn endpoints(&self, keys: impl IntoIterator<Item = (Channel, EndpointKey)>) {
        self.endpoints.lock().unwrap_or_else(|e| e.into_inner()).extend(keys);
        self.notify.notify_one();
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
}
