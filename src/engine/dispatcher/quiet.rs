//! Postgres: a quiet endpoint's new work, claimed at once while the dispatcher's claim is under way.
//!
//! On Postgres a claim of a busy endpoint reads the index entries its earlier claims and deliveries
//! left dead until vacuum: tens of milliseconds behind a backlog of a few hundred thousand rows. An
//! endpoint told of new work meanwhile waited for that claim, then went into the next one together
//! with the busy endpoint (a cold endpoint's first attempt, p99: 47 ms behind a 100,000-event backlog,
//! BENCHMARKS.md). So while a claim runs, the endpoints told of new work that have nothing claimed in
//! this process are claimed in a statement of their own, which reads only their few entries.
//!
//! Not on SQLite: its claims queue at the single writer, so a second one would wait behind the first;
//! there the ingest writer takes such work as it records it (`Inbox`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use app::timestamp::Timestamp;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Shared, Slot, body_size, claim, dispatch, per_endpoint};
use crate::engine::due::DueSignal;
use crate::store::{Channel, EndpointKey, RateClaim, Store};

/// The dispatcher's state while its claim is under way, as the quiet endpoints' claims need it.
pub(super) struct ClaimUnderWay<'a> {
    pub(super) due: &'a DueSignal,
    /// Endpoints with a rate cap (claimed through their schedule, never here) and those waiting for it.
    pub(super) rated: &'a HashSet<Slot>,
    pub(super) waiting: &'a HashMap<Slot, Instant>,
    /// The endpoints the claim under way asked for.
    pub(super) asked: HashSet<Slot>,
    /// Deliveries the process has room for beyond the claim under way.
    pub(super) room: usize,
    pub(super) lease_micros: i64,
    pub(super) max_bytes: usize,
}

/// The quiet endpoints' claims during one claim of the dispatcher, and what was signalled meanwhile
/// that is the dispatcher loop's (given back to the [`DueSignal`] by [`Quiet::finish`]).
pub(super) struct Quiet<'a> {
    under_way: ClaimUnderWay<'a>,
    told: HashSet<Slot>,
    everywhere: bool,
    /// Deliveries claimed here, and their bodies' bytes.
    claimed: usize,
    claimed_bytes: usize,
}

impl<'a> Quiet<'a> {
    pub(super) fn new(under_way: ClaimUnderWay<'a>) -> Self {
        Quiet { under_way, told: HashSet::new(), everywhere: false, claimed: 0, claimed_bytes: 0 }
    }

    pub(super) fn due(&self) -> &'a DueSignal {
        self.under_way.due
    }

    /// Takes what was signalled and claims, per channel, what the quiet endpoints among it have room
    /// for; the rest waits for the dispatcher loop.
    pub(super) async fn claim_signalled(&mut self, store: &Store, shared: &Arc<Shared>, tasks: &mut JoinSet<()>) {
        let (told, everywhere) = self.under_way.due.take();
        self.everywhere |= everywhere;
        let mut asked: HashMap<Channel, Vec<(EndpointKey, u32)>> = HashMap::new();
        for slot in told {
            let want = if self.is_quiet(&slot, shared) {
                shared.slots.room(&slot, true).min(u32::try_from(self.under_way.room).unwrap_or(u32::MAX))
            } else {
                0
            };
            if want == 0 {
                self.told.insert(slot);
                continue;
            }
            self.under_way.room -= want as usize;
            asked.entry(slot.0).or_default().push((slot.1, want));
        }
        for (channel, asked) in asked {
            self.claim(store, shared, tasks, channel, asked).await;
        }
    }

    /// An endpoint this process has nothing claimed of, that answered lately (one that has not gets a
    /// single request at a time, through the loop's claims), has no rate cap and is not in the claim
    /// under way.
    fn is_quiet(&self, slot: &Slot, shared: &Shared) -> bool {
        let under_way = &self.under_way;
        !under_way.asked.contains(slot)
            && !under_way.rated.contains(slot)
            && !under_way.waiting.contains_key(slot)
            && shared.slots.answering(slot)
            && !shared.slots.holds(slot)
    }

    async fn claim(
        &mut self,
        store: &Store,
        shared: &Arc<Shared>,
        tasks: &mut JoinSet<()>,
        channel: Channel,
        asked: Vec<(EndpointKey, u32)>,
    ) {
        let now = Timestamp::now();
        let lease = now.plus_micros(self.under_way.lease_micros);
        let held = shared.slots.bytes.load(Ordering::Acquire);
        let budget = i64::try_from(self.under_way.max_bytes.saturating_sub(held)).unwrap_or(i64::MAX);
        let asked_total: usize = asked.iter().map(|(_, want)| *want as usize).sum();
        // No endpoint asked here has a rate cap, so this is the plain claim (which logs a failure).
        let (RateClaim { claimed, .. }, failed) =
            claim(store, channel, now, lease, &asked, self.under_way.rated, budget).await;
        if failed {
            self.under_way.room += asked_total;
            self.told.extend(asked.into_iter().map(|(key, _)| (channel, key)));
            return;
        }
        // An endpoint that gave all it was asked for may have more: the loop claims it next.
        let got = per_endpoint(&claimed);
        for (key, want) in &asked {
            if got.get(key).copied().unwrap_or(0) >= *want {
                self.told.insert((channel, key.clone()));
            } else if channel == Channel::Notification {
                self.under_way.due.drained(key);
            }
        }
        self.under_way.room += asked_total - claimed.len();
        if claimed.is_empty() {
            return;
        }
        for delivery in &claimed {
            shared.slots.reserve(&(channel, delivery.endpoint.clone()), body_size(delivery), false);
        }
        self.claimed += claimed.len();
        self.claimed_bytes += claimed.iter().map(body_size).sum::<usize>();
        dispatch(store, shared, tasks, channel, claimed, now, false).await;
    }

    /// Gives what was signalled and not claimed here back to the [`DueSignal`], for the dispatcher
    /// loop's next pass; returns how many deliveries were claimed here, and their bytes.
    pub(super) fn finish(self) -> (usize, usize) {
        if !self.told.is_empty() {
            self.under_way.due.endpoints(self.told);
        }
        if self.everywhere {
            self.under_way.due.anywhere();
        }
        (self.claimed, self.claimed_bytes)
    }
}
