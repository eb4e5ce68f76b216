//! Claims due notifications and delivers them.
//!
//! Fairness: each endpoint has a few delivery slots in this process; an endpoint whose slots and
//! small queue are full is left out of the next claims, so a slow or dead endpoint never holds back
//! the others, and its retries never crowd out first attempts elsewhere. An endpoint that has not
//! answered lately gets one request at a time until it does (a slow start), and such endpoints
//! together hold at most half the process's slots until their requests are found slow: endpoints
//! that accept connections and never answer, however many, cannot fill the process's slots.
//!
//! Rate caps: an endpoint with a cap (deliveries per second, shared by every process) is claimed
//! through its send schedule in the database (`Store::claim_rated`); each of its deliveries waits for
//! the send time its claim reserved. When its schedule is full, it waits (left out of claims) until
//! the schedule has room, without being taken for an endpoint out of work.

mod quiet;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use app::timestamp::Timestamp;
use app::vocab::{AttemptErrorKind, NotificationStatus};
use tokio::sync::{Notify, Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::EngineConfig;
use super::delivery_client::{AttemptOutcome, DeliveryClient, OutgoingRequest};
use super::due::DueSignal;
use super::recorder::{Finished, Handover};
use super::rejection::notice_for;
use super::retry::{AttemptResult, RetryPolicy};
use super::signing::{rook_hash, standard_signature};
use crate::store::{
    AttemptRecord, Channel, ClaimedDelivery, Dialect, EndpointConfig, EndpointKey, NextState, RateClaim, Skipped, Store,
};
use quiet::{ClaimUnderWay, Quiet};

/// While deliveries trickle in and out (each finished one freeing one slot), claims wait this long so
/// one claim takes many freed slots at once: claiming a row at a time would spend the database on
/// claims (each a transaction) instead of deliveries.
const GATHER: Duration = Duration::from_millis(2);
/// A claim that took fewer rows than this counts as a trickle.
const GATHER_BELOW: usize = 16;

/// Waits [`GATHER`] (or until stopped).
async fn gather(stopped: &mut watch::Receiver<bool>) {
    tokio::select! {
        () = tokio::time::sleep(GATHER) => {}
        _ = stopped.changed() => {}
    }
}

/// Of the shutdown grace, the time kept for giving back unfinished claims and recording finished ones.
const SHUTDOWN_MARGIN: Duration = Duration::from_secs(1);

/// How long an endpoint whose notification could not be signed waits before the next try.
const UNSIGNABLE_RETRY: i64 = 60;

/// An endpoint of one channel: the unit of fairness.
type Slot = (Channel, EndpointKey);

/// This process's bookkeeping of claimed deliveries per endpoint and channel.
struct Slots {
    per_endpoint: usize,
    endpoints: Mutex<HashMap<Slot, Endpoint>>,
    /// Claims (id and lease) not yet handed to the recorder (given back on shutdown).
    claimed: Mutex<HashMap<(Channel, String), Timestamp>>,
    /// Bytes of the bodies claimed and not yet handed to the recorder.
    bytes: AtomicUsize,
    /// Delivery tasks running (each one of the process's `max_in_flight`).
    running: AtomicUsize,
    /// Notifications taken through the [`Inbox`] that have no task yet.
    reserved: AtomicUsize,
    /// Slow requests in flight, all endpoints together (they do not count against `max_in_flight`, up
    /// to [`MAX_SLOW_FACTOR`] times it).
    slow: AtomicUsize,
    /// When each endpoint last answered a request; one not here (or not since [`ANSWERED_FOR`]) gets a
    /// single request at a time.
    answered: Mutex<HashMap<Slot, Instant>>,
    /// Claims of endpoints that had not answered when they were made, not yet slow: at most
    /// `unanswered_limit` (half the process's `max_in_flight`), so endpoints that have answered always
    /// keep the other half, however many fresh endpoints never answer.
    unanswered: AtomicUsize,
    unanswered_limit: usize,
    /// Requests running longer than this are slow.
    slow_after: Duration,
}

/// Slow requests stop counting against `max_in_flight` only up to this many times it: beyond, they
/// count again, so the number of open requests stays bounded.
const MAX_SLOW_FACTOR: usize = 4;

struct Endpoint {
    /// Delivery slots: `per_endpoint` requests at a time.
    sending: Arc<Semaphore>,
    /// Claimed and not yet handed to the recorder (waiting for a slot, or sending). What waits for the
    /// recorder counts against the process's `max_in_flight` instead: the endpoint could not send it
    /// any faster, and keeping its room until the commit made every endpoint wait on the recorder.
    claimed: usize,
    /// Requests of this endpoint running longer than `slow_after`.
    slow: usize,
    /// Of `claimed`, those counted in [`Slots::unanswered`].
    unanswered: usize,
}

/// An endpoint may have this many times its requests in flight claimed and not yet sent: enough for
/// its slots never to wait on the next claim, which queues behind the recorder's commits on SQLite's
/// single writer. Its requests in flight stay at `max_in_flight_per_endpoint`.
const CLAIM_AHEAD: usize = 8;

/// A claim that waited this long for its endpoint's slot is given back (its endpoint is slow).
const SLOT_WAIT: Duration = Duration::from_secs(1);
/// An endpoint that answered a request (whatever it answered, however slowly, but before the timeout)
/// this recently gets all its slots; any other gets one request at a time. Without it, a hundred fresh
/// endpoints that never answer took every slot of the process until their requests were slow (four
/// requests each), and every other endpoint waited that long.
const ANSWERED_FOR: Duration = Duration::from_secs(60);

impl Slots {
    /// How many more deliveries `slot` may have claimed now; `answering` is [`Slots::answering`] of it.
    fn room(&self, slot: &Slot, answering: bool) -> u32 {
        if !answering && self.unanswered.load(Ordering::Acquire) >= self.unanswered_limit {
            return 0;
        }
        let budget = if answering { self.per_endpoint * CLAIM_AHEAD } else { 1 };
        let endpoints = self.endpoints.lock().unwrap_or_else(|e| e.into_inner());
        match endpoints.get(slot) {
            Some(endpoint) if endpoint.slow > 0 => 0,
            Some(endpoint) => u32::try_from(budget.saturating_sub(endpoint.claimed)).unwrap_or(u32::MAX),
            None => u32::try_from(budget).unwrap_or(u32::MAX),
        }
    }

    /// Whether this process has deliveries of `slot` claimed (sending, or waiting to).
    fn holds(&self, slot: &Slot) -> bool {
        self.endpoints.lock().unwrap_or_else(|e| e.into_inner()).contains_key(slot)
    }

    /// Whether `slot` answered a request lately (see [`ANSWERED_FOR`]).
    fn answering(&self, slot: &Slot) -> bool {
        let answered = self.answered.lock().unwrap_or_else(|e| e.into_inner());
        answered.get(slot).is_some_and(|at| at.elapsed() < ANSWERED_FOR)
    }

    /// Takes one of the places of endpoints that have not answered, if one is free; [`Slots::reserve`]
    /// then counts it against the claim, and gives it back when the claim is done with or slow.
    fn take_unanswered(&self) -> bool {
        self.unanswered
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.unanswered_limit).then_some(n + 1))
            .is_ok()
    }

    /// Gives back a place taken with [`Slots::take_unanswered`].
    fn give_unanswered(&self) {
        self.unanswered.fetch_sub(1, Ordering::AcqRel);
    }

    /// Gives back one of the places `endpoint`'s claims hold, if they hold any.
    fn release_unanswered(&self, endpoint: &mut Endpoint) {
        if endpoint.unanswered > 0 {
            endpoint.unanswered -= 1;
            self.give_unanswered();
        }
    }

    /// One of `slot`'s requests was answered.
    fn mark_answered(&self, slot: &Slot) {
        self.answered.lock().unwrap_or_else(|e| e.into_inner()).insert(slot.clone(), Instant::now());
    }

    /// Forgets the endpoints that have not answered for [`ANSWERED_FOR`], so the map holds only the
    /// endpoints of the last minute.
    fn forget_quiet(&self) {
        self.answered.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, at| at.elapsed() < ANSWERED_FOR);
    }

    /// Marks one of `slot`'s requests slow (`true`) or no longer slow.
    fn set_slow(&self, slot: &Slot, slow: bool) {
        if slow {
            self.slow.fetch_add(1, Ordering::AcqRel);
        } else {
            self.slow.fetch_sub(1, Ordering::AcqRel);
        }
        let mut endpoints = self.endpoints.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(endpoint) = endpoints.get_mut(slot) {
            endpoint.slow = if slow { endpoint.slow + 1 } else { endpoint.slow.saturating_sub(1) };
            // A slow request's endpoint gets no new claims anyway: its place goes to another.
            if slow {
                self.release_unanswered(endpoint);
            }
        }
    }

    /// Counts a claimed delivery of `slot` (its room and its body's bytes, and the place of endpoints
    /// that have not answered it took, when `unanswered`) until [`Slots::hand_over`] or
    /// [`Slots::unreserve`].
    fn reserve(&self, slot: &Slot, bytes: usize, unanswered: bool) {
        self.bytes.fetch_add(bytes, Ordering::AcqRel);
        let mut endpoints = self.endpoints.lock().unwrap_or_else(|e| e.into_inner());
        let endpoint = endpoints.entry(slot.clone()).or_insert_with(|| Endpoint {
            sending: Arc::new(Semaphore::new(self.per_endpoint)),
            claimed: 0,
            slow: 0,
            unanswered: 0,
        });
        endpoint.claimed += 1;
        endpoint.unanswered += usize::from(unanswered);
    }

    /// Keeps a reserved delivery's claim (given back on shutdown); returns its endpoint's slots.
    fn track(&self, slot: &Slot, id: &str, lease: Timestamp) -> Arc<Semaphore> {
        self.claimed.lock().unwrap_or_else(|e| e.into_inner()).insert((slot.0, id.to_owned()), lease);
        let endpoints = self.endpoints.lock().unwrap_or_else(|e| e.into_inner());
        match endpoints.get(slot) {
            Some(endpoint) => endpoint.sending.clone(),
            // Not reached (a reserved slot has its entry until it is handed over); a fresh one is right.
            None => Arc::new(Semaphore::new(self.per_endpoint)),
        }
    }

    /// The delivery's outcome went to the recorder: its body is no longer held, its claim is no
    /// longer this process's to give back, and its endpoint has the room back.
    fn hand_over(&self, slot: &Slot, id: &str, bytes: usize) {
        self.claimed.lock().unwrap_or_else(|e| e.into_inner()).remove(&(slot.0, id.to_owned()));
        self.unreserve(slot, bytes);
    }

    /// Gives back the room of a notification taken through the [`Inbox`] that gets no task.
    fn drop_handed(&self, key: &EndpointKey, bytes: usize) {
        self.reserved.fetch_sub(1, Ordering::AcqRel);
        self.unreserve(&(Channel::Notification, key.clone()), bytes);
    }

    /// Gives back what [`Slots::reserve`] counted.
    fn unreserve(&self, slot: &Slot, bytes: usize) {
        self.bytes.fetch_sub(bytes, Ordering::AcqRel);
        let mut endpoints = self.endpoints.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(endpoint) = endpoints.get_mut(slot) {
            endpoint.claimed = endpoint.claimed.saturating_sub(1);
            self.release_unanswered(endpoint);
            if endpoint.claimed == 0 {
                endpoints.remove(slot);
            }
        }
    }

    fn claims(&self, channel: Channel) -> Vec<(String, Timestamp)> {
        let claimed = self.claimed.lock().unwrap_or_else(|e| e.into_inner());
        claimed.iter().filter(|((c, _), _)| *c == channel).map(|((_, id), lease)| (id.clone(), *lease)).collect()
    }
}

/// What every delivery task shares.
struct Shared {
    client: DeliveryClient,
    retry: RetryPolicy,
    data_retry: RetryPolicy,
    finished: mpsc::Sender<Handover>,
    slots: Slots,
    capacity_freed: Notify,
}

pub(super) async fn run(
    store: Store,
    client: DeliveryClient,
    config: EngineConfig,
    due: Arc<DueSignal>,
    finished: mpsc::Sender<Handover>,
    mut stopped: watch::Receiver<bool>,
) {
    let shared = Arc::new(Shared {
        client,
        retry: config.retry.clone(),
        data_retry: config.data_retry.clone(),
        finished,
        slots: Slots {
            per_endpoint: config.max_in_flight_per_endpoint.max(1),
            endpoints: Mutex::new(HashMap::new()),
            claimed: Mutex::new(HashMap::new()),
            bytes: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            reserved: AtomicUsize::new(0),
            slow: AtomicUsize::new(0),
            answered: Mutex::new(HashMap::new()),
            unanswered: AtomicUsize::new(0),
            unanswered_limit: (config.max_in_flight / 2).max(1),
            slow_after: config.slow_after,
        },
        capacity_freed: Notify::new(),
    });
    let lease_micros = i64::try_from(config.lease.as_micros()).unwrap_or(i64::MAX);
    let max_bytes = config.max_in_flight_bytes.max(1);
    let (handed_tx, mut handed_rx) = mpsc::unbounded_channel();
    let inbox = Arc::new(Inbox {
        shared: shared.clone(),
        max_in_flight: config.max_in_flight,
        max_bytes,
        lease_micros,
        handed: handed_tx,
    });
    remember_answered(&store, &shared.slots).await;
    // Endpoints believed to have due work, per channel: told by whoever made the work due, found by a
    // look at every endpoint (at start, when asked, and at least every LOOK_EVERY), and dropped when a
    // claim finds less than it asked for.
    let mut known: HashMap<Channel, HashSet<EndpointKey>> = HashMap::new();
    // Endpoints with a rate cap (read with every look at every endpoint), and those of them whose
    // schedule is full: until when.
    let mut rated: HashSet<Slot> = HashSet::new();
    let mut waiting: HashMap<Slot, Instant> = HashMap::new();
    // The first look comes before the inbox opens, so ingestion knows every backlog there was at the
    // start before it takes anything (on Postgres it goes by `DueSignal::has_backlog`).
    let mut look_at = look_everywhere(&store, &due, &mut known, &mut rated).await;
    let mut looked_at = Instant::now();
    due.open_inbox(inbox.clone());
    // Handed through the inbox and not yet started.
    let mut handed: Vec<ClaimedDelivery> = Vec::new();
    let mut tasks = JoinSet::new();
    let mut cycle: u64 = 0;

    while !*stopped.borrow() {
        while tasks.try_join_next().is_some() {}
        while let Ok(more) = handed_rx.try_recv() {
            handed.extend(more);
        }
        if !handed.is_empty() {
            let now = Timestamp::now();
            dispatch(&store, &shared, &mut tasks, Channel::Notification, std::mem::take(&mut handed), now, true).await;
        }
        let (told, everywhere) = due.take();
        for (channel, key) in told {
            known.entry(channel).or_default().insert(key);
        }
        let now = Instant::now();
        if let Some(at) = due.take_earliest() {
            look_at = look_at.min(instant_of(at));
        }
        if (everywhere && now >= looked_at + MIN_LOOK_GAP) || now >= look_at {
            look_at = look_everywhere(&store, &due, &mut known, &mut rated).await;
            looked_at = now;
            shared.slots.forget_quiet();
        } else if everywhere {
            // Asked again too soon: look at the next chance.
            look_at = look_at.min(looked_at + MIN_LOOK_GAP);
        }

        let slow = shared.slots.slow.load(Ordering::Acquire).min(config.max_in_flight * MAX_SLOW_FACTOR);
        let busy = tasks.len().saturating_sub(slow) + shared.slots.reserved.load(Ordering::Acquire);
        let room = config.max_in_flight.saturating_sub(busy);
        let bytes_left = max_bytes.saturating_sub(shared.slots.bytes.load(Ordering::Acquire));
        let mut claimed_total = 0usize;
        if room > 0 && bytes_left > 0 {
            // Both channels share the room; which claims first alternates, so neither starves the other.
            cycle += 1;
            let order = if cycle.is_multiple_of(2) {
                [Channel::Notification, Channel::Data]
            } else {
                [Channel::Data, Channel::Notification]
            };
            let mut left = room;
            let mut bytes_left = bytes_left;
            for channel in order {
                let Some(endpoints) = known.get_mut(&channel) else { continue };
                // Each endpoint with work gets what it has room for, up to what is left in this process;
                // when that is not enough for all, where the round starts rotates.
                let mut candidates: Vec<&EndpointKey> = endpoints.iter().collect();
                if !candidates.is_empty() {
                    let start = usize::try_from(cycle).unwrap_or(0) % candidates.len();
                    candidates.rotate_left(start);
                }
                let mut asked: Vec<(EndpointKey, u32)> = Vec::new();
                // Endpoints asked for with a place of those that have not answered.
                let mut unanswered: HashSet<EndpointKey> = HashSet::new();
                waiting.retain(|_, until| *until > now);
                for key in candidates {
                    let slot = (channel, key.clone());
                    if waiting.contains_key(&slot) {
                        continue;
                    }
                    let answering = shared.slots.answering(&slot);
                    let want = shared.slots.room(&slot, answering).min(u32::try_from(left).unwrap_or(u32::MAX));
                    if want > 0 && (answering || shared.slots.take_unanswered()) {
                        left -= want as usize;
                        asked.push((key.clone(), want));
                        if !answering {
                            unanswered.insert(key.clone());
                        }
                    }
                    if left == 0 {
                        break;
                    }
                }
                if asked.is_empty() {
                    continue;
                }
                let claim_time = Timestamp::now();
                let lease = claim_time.plus_micros(lease_micros);
                let budget = i64::try_from(bytes_left).unwrap_or(i64::MAX);
                let claiming = claim(&store, channel, claim_time, lease, &asked, &rated, budget);
                let mut quiet = (store.dialect() == Dialect::Postgres).then(|| {
                    Quiet::new(ClaimUnderWay {
                        due: &due,
                        rated: &rated,
                        waiting: &waiting,
                        asked: asked.iter().map(|(key, _)| (channel, key.clone())).collect(),
                        room: left,
                        lease_micros,
                        max_bytes,
                    })
                });
                let (RateClaim { claimed, waiting: full }, failed) =
                    serving_inbox(claiming, &store, &shared, &mut tasks, &mut handed_rx, quiet.as_mut()).await;
                if let Some((count, bytes)) = quiet.map(Quiet::finish) {
                    left = left.saturating_sub(count);
                    bytes_left = bytes_left.saturating_sub(bytes);
                }
                for (key, until) in full {
                    waiting.insert((channel, key), instant_of(until));
                }
                // An endpoint that gave less than asked has no more due work for now (unless its
                // schedule is what was full, or the claim failed: then it is asked again).
                let got = per_endpoint(&claimed);
                let drained: Vec<EndpointKey> = asked
                    .iter()
                    .filter(|(key, want)| !failed && got.get(key).copied().unwrap_or(0) < *want)
                    .filter(|(key, _)| !waiting.contains_key(&(channel, key.clone())))
                    .map(|(key, _)| key.clone())
                    .collect();
                for key in drained {
                    if channel == Channel::Notification {
                        due.drained(&key);
                    }
                    endpoints.remove(&key);
                }
                for key in &unanswered {
                    if !got.contains_key(key) {
                        shared.slots.give_unanswered();
                    }
                }
                for delivery in &claimed {
                    let slot = (channel, delivery.endpoint.clone());
                    shared.slots.reserve(&slot, body_size(delivery), unanswered.contains(&delivery.endpoint));
                }
                // What was asked and not got goes back to the room for the other channel.
                let asked_total: usize = asked.iter().map(|(_, want)| *want as usize).sum();
                left += asked_total - claimed.len();
                if claimed.is_empty() {
                    continue;
                }
                claimed_total += claimed.len();
                bytes_left = bytes_left.saturating_sub(claimed.iter().map(body_size).sum());
                dispatch(&store, &shared, &mut tasks, channel, claimed, claim_time, false).await;
            }
        }

        if claimed_total == 0 {
            let wake_at = waiting.values().copied().fold(look_at, Instant::min);
            let freed = tokio::select! {
                () = due.signalled() => false,
                more = handed_rx.recv() => {
                    handed.extend(more.into_iter().flatten());
                    false
                }
                () = shared.capacity_freed.notified() => true,
                () = tokio::time::sleep_until(wake_at) => false,
                _ = stopped.changed() => false,
            };
            if freed {
                serving_inbox(gather(&mut stopped), &store, &shared, &mut tasks, &mut handed_rx, None).await;
            }
        } else if claimed_total < GATHER_BELOW && !tasks.is_empty() {
            serving_inbox(gather(&mut stopped), &store, &shared, &mut tasks, &mut handed_rx, None).await;
        }
    }

    // Stopping: no new claims, nothing more handed; what was handed and not started goes back at once.
    due.close_inbox(&inbox);
    handed_rx.close();
    while let Ok(more) = handed_rx.try_recv() {
        handed.extend(more);
    }
    if !handed.is_empty() {
        for delivery in &handed {
            shared.slots.drop_handed(&delivery.endpoint, body_size(delivery));
        }
        let claims: Vec<(String, Timestamp)> = handed.iter().map(|d| (d.id.clone(), d.lease)).collect();
        if let Err(err) = store.release_claims(Channel::Notification, &claims).await {
            tracing::warn!(error = %err, "giving back claims failed; they return when their lease ends");
        }
    }
    // Let what is in flight finish within the shutdown grace, keeping a moment to give back the rest
    // and record what finished.
    let grace = config.shutdown_grace.saturating_sub(SHUTDOWN_MARGIN);
    let drained = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tasks.abort_all();
        for channel in [Channel::Notification, Channel::Data] {
            let unfinished = shared.slots.claims(channel);
            tracing::warn!(count = unfinished.len(), "giving back deliveries that did not finish before shutdown");
            if let Err(err) = store.release_claims(channel, &unfinished).await {
                tracing::warn!(error = %err, "giving back claims failed; they return when their lease ends");
            }
        }
    }
}

/// Counts the endpoints whose last success was within [`ANSWERED_FOR`] as answering, as if this
/// process had seen it: after a restart they get all their slots at once, and fresh endpoints that
/// never answer cannot take their half of the process's slots. Only Notification Webhook endpoints
/// keep a last success.
async fn remember_answered(store: &Store, slots: &Slots) {
    let window = i64::try_from(ANSWERED_FOR.as_micros()).unwrap_or(i64::MAX);
    let now = Timestamp::now();
    match store.answered_since(now.plus_micros(-window)).await {
        Ok(answered) => {
            let seen = Instant::now();
            let mut map = slots.answered.lock().unwrap_or_else(|e| e.into_inner());
            for (key, at) in answered {
                let ago = Duration::from_micros(u64::try_from(now.as_micros() - at.as_micros()).unwrap_or(0));
                map.insert((Channel::Notification, key), seen.checked_sub(ago).unwrap_or(seen));
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, "reading which endpoints answered lately failed; each starts with one request");
        }
    }
}

/// The longest the dispatcher goes without looking at every endpoint for due work (a safety net:
/// new work, finished attempts and retries coming due wake it sooner).
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// Looks at every endpoint at most this often, however often it is asked to.
const MIN_LOOK_GAP: Duration = Duration::from_millis(20);

/// Adds every endpoint with due work to `known` (and, for notifications, to `due`'s backlog), and
/// reads which endpoints have a rate cap into `rated`; returns when to look again: when the next
/// delivery falls due, or after [`LOOK_EVERY`].
async fn look_everywhere(
    store: &Store,
    due: &DueSignal,
    known: &mut HashMap<Channel, HashSet<EndpointKey>>,
    rated: &mut HashSet<Slot>,
) -> Instant {
    let now = Timestamp::now();
    match store.rated_endpoints().await {
        Ok(slots) => *rated = slots.into_iter().collect(),
        Err(err) => tracing::warn!(error = %err, "reading the endpoints' rate caps failed"),
    }
    for channel in [Channel::Notification, Channel::Data] {
        match store.due_endpoints(channel, now).await {
            Ok(keys) => {
                if channel == Channel::Notification {
                    due.mark_backlog(keys.iter().cloned());
                }
                known.entry(channel).or_default().extend(keys);
            }
            Err(err) => tracing::warn!(error = %err, "looking for endpoints with due work failed"),
        }
    }
    let next = match store.next_due_at().await {
        Ok(Some(next)) if next.as_micros() > now.as_micros() => {
            Duration::from_micros(u64::try_from(next.as_micros() - now.as_micros()).unwrap_or(0))
        }
        Ok(_) => LOOK_EVERY,
        Err(err) => {
            tracing::warn!(error = %err, "reading the next due time failed");
            LOOK_EVERY
        }
    };
    Instant::now() + next.clamp(MIN_LOOK_GAP, LOOK_EVERY)
}

/// Runs `work` (a claim, a gather) while starting what the [`Inbox`] hands meanwhile. A new
/// notification taken at ingest goes out as soon as it is committed, not after the claim in progress:
/// on SQLite that claim waits its turn at the single writer behind the recorder, and while a hot
/// endpoint drained a backlog that wait was most of a quiet endpoint's first-attempt latency. With
/// `quiet` (Postgres), what becomes due meanwhile at quiet endpoints is claimed at once (see
/// [`quiet`]).
async fn serving_inbox<T>(
    work: impl Future<Output = T>,
    store: &Store,
    shared: &Arc<Shared>,
    tasks: &mut JoinSet<()>,
    handed: &mut mpsc::UnboundedReceiver<Vec<ClaimedDelivery>>,
    mut quiet: Option<&mut Quiet<'_>>,
) -> T {
    tokio::pin!(work);
    let due = quiet.as_ref().map(|quiet| quiet.due());
    loop {
        let signalled = async {
            match due {
                Some(due) => due.signalled().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            out = &mut work => return out,
            Some(more) = handed.recv() => {
                dispatch(store, shared, tasks, Channel::Notification, more, Timestamp::now(), true).await;
            }
            () = signalled => {
                if let Some(quiet) = quiet.as_deref_mut() {
                    quiet.claim_signalled(store, shared, tasks).await;
                }
            }
        }
    }
}

/// Claims what `asked` wants of `channel`: the endpoints with a rate cap through their send schedule,
/// the others as they come. A claim that fails is logged and takes nothing; the flag says one did.
async fn claim(
    store: &Store,
    channel: Channel,
    now: Timestamp,
    lease: Timestamp,
    asked: &[(EndpointKey, u32)],
    rated: &HashSet<Slot>,
    bytes: i64,
) -> (RateClaim, bool) {
    let (capped, plain): (Vec<_>, Vec<_>) =
        asked.iter().cloned().partition(|(key, _)| rated.contains(&(channel, key.clone())));
    let mut claim = RateClaim::default();
    let mut failed = false;
    if !plain.is_empty() {
        match store.claim_due(channel, now, lease, &plain, bytes).await {
            Ok(claimed) => claim.claimed = claimed,
            Err(err) => {
                tracing::error!(error = %err, "claiming due deliveries failed");
                failed = true;
            }
        }
    }
    if !capped.is_empty() {
        let taken = claim.claimed.iter().map(body_size).sum::<usize>();
        let bytes = bytes.saturating_sub(i64::try_from(taken).unwrap_or(i64::MAX));
        match store.claim_rated(channel, now, lease, &capped, bytes).await {
            Ok(rated) => {
                claim.claimed.extend(rated.claimed);
                claim.waiting = rated.waiting;
            }
            Err(err) => {
                tracing::error!(error = %err, "claiming due deliveries of rate-capped endpoints failed");
                failed = true;
            }
        }
    }
    (claim, failed)
}

/// The instant of the clock the dispatcher sleeps on that is `at` (now if `at` has passed).
fn instant_of(at: Timestamp) -> Instant {
    let wait = u64::try_from(at.as_micros() - Timestamp::now().as_micros()).unwrap_or(0);
    Instant::now() + Duration::from_micros(wait)
}

/// How many of `claimed` each endpoint gave.
fn per_endpoint(claimed: &[ClaimedDelivery]) -> HashMap<&EndpointKey, u32> {
    let mut got: HashMap<&EndpointKey, u32> = HashMap::new();
    for delivery in claimed {
        *got.entry(&delivery.endpoint).or_default() += 1;
    }
    got
}

fn body_size(delivery: &ClaimedDelivery) -> usize {
    delivery.body.as_ref().map_or(0, bytes::Bytes::len)
}

/// Reads the claimed endpoints' settings and starts a task per delivery; each is counted in the
/// [`Slots`] already. `at_ingest`: the deliveries came through the [`Inbox`] (and are counted in
/// [`Slots::reserved`] until they have a task).
async fn dispatch(
    store: &Store,
    shared: &Arc<Shared>,
    tasks: &mut JoinSet<()>,
    channel: Channel,
    claimed: Vec<ClaimedDelivery>,
    now: Timestamp,
    at_ingest: bool,
) {
    let keys: Vec<EndpointKey> =
        claimed.iter().map(|c| c.endpoint.clone()).collect::<HashSet<_>>().into_iter().collect();
    let configs = match store.endpoint_configs(channel, &keys, now).await {
        Ok(configs) => configs,
        Err(err) => {
            tracing::error!(error = %err, "reading endpoint settings failed; claims return after their lease");
            for delivery in &claimed {
                if at_ingest {
                    shared.slots.drop_handed(&delivery.endpoint, body_size(delivery));
                } else {
                    shared.slots.unreserve(&(channel, delivery.endpoint.clone()), body_size(delivery));
                }
            }
            return;
        }
    };
    let configs: HashMap<EndpointKey, Arc<EndpointConfig>> =
        configs.into_iter().map(|(k, v)| (k, Arc::new(v))).collect();
    crate::metrics::claimed(channel, claimed.len(), at_ingest);
    for delivery in claimed {
        let slot: Slot = (channel, delivery.endpoint.clone());
        let bytes = body_size(&delivery);
        if at_ingest {
            shared.slots.reserved.fetch_sub(1, Ordering::AcqRel);
        }
        let sending = shared.slots.track(&slot, &delivery.id, delivery.lease);
        let config = configs.get(&delivery.endpoint).cloned();
        let shared = shared.clone();
        let running = Running::start(shared.clone());
        tasks.spawn(async move {
            let _running = running;
            let id = delivery.id.clone();
            let finished = match config {
                Some(config) if config.sends(channel) => {
                    // A rate-capped endpoint's delivery goes at the send time its claim reserved (within
                    // a second; the lease is far longer).
                    if let Some(at) = delivery.send_at {
                        tokio::time::sleep_until(instant_of(at)).await;
                    }
                    // Wait for one of the endpoint's slots; the claim is ours meanwhile. A slot that
                    // does not come soon means the endpoint is slow: give the claim back rather than
                    // hold room that other endpoints could use.
                    match tokio::time::timeout(SLOT_WAIT, sending.acquire_owned()).await {
                        Ok(_slot) if !outlives_lease(&delivery, shared.client.timeout()) => {
                            let send = deliver(&shared, delivery, &config);
                            tokio::pin!(send);
                            let finished = tokio::select! {
                                finished = &mut send => finished,
                                () = tokio::time::sleep(shared.slots.slow_after) => {
                                    shared.slots.set_slow(&slot, true);
                                    shared.capacity_freed.notify_one();
                                    let finished = send.await;
                                    shared.slots.set_slow(&slot, false);
                                    finished
                                }
                            };
                            if receiver_answered(&finished) {
                                shared.slots.mark_answered(&slot);
                            }
                            finished
                        }
                        // Sending now could finish after the lease (another claim may send it too),
                        // or no slot came: give it back untouched.
                        _ => unchanged(&delivery),
                    }
                }
                // Switched off or disabled since it was due: the store turns this into
                // `not_subscribed` or `held`. A data delivery whose URL was removed waits.
                _ => skipped(
                    &delivery,
                    NextState {
                        status: NotificationStatus::Pending,
                        next_attempt_at: (channel == Channel::Data)
                            .then(|| Timestamp::now().plus_seconds(UNSIGNABLE_RETRY)),
                        resume_at: None,
                    },
                ),
            };
            let (recorded, on_record) = oneshot::channel();
            let handed = shared.finished.send(Handover { finished, recorded }).await.is_ok();
            // The recorder has it now: shutdown must not give this claim back under its outcome, and
            // the endpoint may send more.
            shared.slots.hand_over(&slot, &id, bytes);
            shared.capacity_freed.notify_one();
            if handed {
                // The task (one of the process's `max_in_flight`) lasts until the outcome is in the
                // database, so a crash can send again at most what this process has in flight.
                let _ = on_record.await;
                shared.capacity_freed.notify_one();
            }
        });
    }
}

/// Counts a delivery task in [`Slots::running`] while it lives (also when shutdown aborts it).
struct Running(Arc<Shared>);

impl Running {
    fn start(shared: Arc<Shared>) -> Self {
        shared.slots.running.fetch_add(1, Ordering::AcqRel);
        Running(shared)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.slots.running.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Where the ingest writer hands the dispatcher new notifications it claimed in the transaction that
/// recorded them (see `IngestClaim`): they are sent without a claim statement, which on SQLite waits
/// its turn at the single writer, and without the dispatcher's gather. Only what the endpoint and the
/// process have room for is taken; the rest is claimed as usual.
pub struct Inbox {
    shared: Arc<Shared>,
    max_in_flight: usize,
    max_bytes: usize,
    lease_micros: i64,
    handed: mpsc::UnboundedSender<Vec<ClaimedDelivery>>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox").finish_non_exhaustive()
    }
}

impl Inbox {
    /// The lease of a claim made now.
    pub(super) fn lease_until(&self) -> Timestamp {
        Timestamp::now().plus_micros(self.lease_micros)
    }

    /// Takes a notification of `key` with a body of `bytes` if the endpoint and the process have room
    /// for it now, and counts it; [`Inbox::cancel`] gives the room back if it is not recorded.
    pub(super) fn reserve(&self, key: &EndpointKey, bytes: usize) -> bool {
        let slots = &self.shared.slots;
        let slot = (Channel::Notification, key.clone());
        let answering = slots.answering(&slot);
        if slots.room(&slot, answering) == 0 {
            return false;
        }
        let slow = slots.slow.load(Ordering::Acquire).min(self.max_in_flight * MAX_SLOW_FACTOR);
        let busy = slots.running.load(Ordering::Acquire).saturating_sub(slow) + slots.reserved.load(Ordering::Acquire);
        let held = slots.bytes.load(Ordering::Acquire);
        if busy >= self.max_in_flight || (held > 0 && held + bytes > self.max_bytes) {
            return false;
        }
        if !answering && !slots.take_unanswered() {
            return false;
        }
        slots.reserved.fetch_add(1, Ordering::AcqRel);
        slots.reserve(&slot, bytes, !answering);
        true
    }

    /// A reserved notification was not recorded.
    pub(super) fn cancel(&self, key: &EndpointKey, bytes: usize) {
        self.shared.slots.drop_handed(key, bytes);
    }

    /// Hands recorded, reserved notifications to the dispatcher; gives them back when it has stopped
    /// (their claims are then the caller's to release).
    pub(super) fn hand(&self, claimed: Vec<ClaimedDelivery>) -> Result<(), Vec<ClaimedDelivery>> {
        if claimed.is_empty() {
            return Ok(());
        }
        self.handed.send(claimed).map_err(|err| {
            for delivery in &err.0 {
                self.cancel(&delivery.endpoint, body_size(delivery));
            }
            err.0
        })
    }
}

/// Whether the receiver answered: an attempt that ended other than by the timeout (an error status, a
/// refused connection and a slow answer all count; a receiver that never answers does not).
fn receiver_answered(finished: &Finished) -> bool {
    match finished {
        Finished::Attempt(attempt) => attempt.error_kind != Some(AttemptErrorKind::Timeout),
        Finished::Skipped(_) => false,
    }
}

/// Whether an attempt started now could still be running when the claim's lease ends, with a margin
/// for its outcome to reach the recorder (half the timeout, at most 2 s: the lease is at least twice
/// the timeout, so a fresh claim always has room).
fn outlives_lease(delivery: &ClaimedDelivery, timeout: Duration) -> bool {
    let margin = (timeout / 2).min(Duration::from_secs(2));
    let needed = i64::try_from((timeout + margin).as_micros()).unwrap_or(i64::MAX);
    Timestamp::now().as_micros().saturating_add(needed) > delivery.lease.as_micros()
}

/// The claim given back without an attempt: due again at once, in the state it had.
fn unchanged(delivery: &ClaimedDelivery) -> Finished {
    skipped(
        delivery,
        NextState { status: delivery.status, next_attempt_at: Some(Timestamp::now()), resume_at: delivery.resume_at },
    )
}

/// The claim handed back without an attempt, to be set to `next` (if it is still current).
fn skipped(delivery: &ClaimedDelivery, next: NextState) -> Finished {
    Finished::Skipped(Skipped {
        channel: delivery.channel,
        id: delivery.id.clone(),
        endpoint: delivery.endpoint.clone(),
        resend_mark: delivery.resend_mark,
        lease: delivery.lease,
        next,
    })
}

/// Signs and sends one delivery, and describes the attempt for the recorder.
async fn deliver(shared: &Shared, delivery: ClaimedDelivery, config: &EndpointConfig) -> Finished {
    let url = config.url.clone().unwrap_or_default();
    let sent_at = Timestamp::now();
    let Some(body) = delivery.body.clone() else {
        // Its payload was purged: sending an empty signed body would be a lie that "succeeds". It
        // cannot be delivered any more.
        tracing::error!(delivery_id = %delivery.id, "the payload of a due delivery is gone; marking it failed");
        return skipped(
            &delivery,
            NextState { status: NotificationStatus::Failed, next_attempt_at: None, resume_at: None },
        );
    };
    let request = match signed_request(&delivery, &body, config, &url, sent_at) {
        Ok(request) => request,
        Err(reason) => {
            tracing::error!(delivery_id = %delivery.id, %reason, "cannot sign; will try again later");
            return skipped(
                &delivery,
                NextState {
                    status: if delivery.attempt_count == 0 {
                        NotificationStatus::Pending
                    } else {
                        NotificationStatus::Retrying
                    },
                    next_attempt_at: Some(sent_at.plus_seconds(UNSIGNABLE_RETRY)),
                    resume_at: delivery.resume_at,
                },
            );
        }
    };
    let outcome = shared.client.send(&request).await;
    let result = attempt_result(delivery.channel, &outcome);
    let now = Timestamp::now();
    let first_wait = (delivery.attempt_count == 0).then(|| {
        Duration::from_micros(u64::try_from(sent_at.as_micros() - delivery.created_at.as_micros()).unwrap_or(0))
    });
    crate::metrics::attempt(
        delivery.channel,
        outcome.succeeded(),
        outcome.error.as_ref().map(|e| e.kind).or((!outcome.succeeded()).then_some(AttemptErrorKind::HttpStatus)),
        outcome.duration,
        first_wait,
    );
    let policy = match delivery.channel {
        Channel::Notification => &shared.retry,
        Channel::Data => &shared.data_retry,
    };
    let next = policy.next_state(&delivery, result, now);
    let notice = notice_for(&delivery, &outcome, &next, delivery.attempt_count + 1, now);
    Finished::Attempt(Box::new(attempt_record(delivery, request, outcome, result, next, notice)))
}

/// The request with this attempt's Standard Webhooks headers (and `x-rook-hash` when the client has a
/// ROOK hash key). The body is the stored bytes, untouched.
fn signed_request(
    delivery: &ClaimedDelivery,
    body: &bytes::Bytes,
    config: &EndpointConfig,
    url: &str,
    sent_at: Timestamp,
) -> Result<OutgoingRequest, String> {
    if let Some(reason) = config.unreadable {
        return Err(reason.to_owned());
    }
    if config.secrets.is_empty() {
        return Err("the endpoint has no signing secret".to_owned());
    }
    let timestamp = sent_at.as_unix_seconds();
    let secrets: Vec<&str> = config.secrets.iter().map(String::as_str).collect();
    let signature = standard_signature(&secrets, &delivery.id, timestamp, body).map_err(|e| e.to_string())?;
    let mut headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("webhook-id".to_owned(), delivery.id.clone()),
        ("webhook-timestamp".to_owned(), timestamp.to_string()),
        ("webhook-signature".to_owned(), signature),
    ];
    if let Some(key) = &config.rook_hash_key {
        // The payload's own `datetime` text: what the receiver reads and hashes again.
        let datetime = match &delivery.data {
            Some(data) => data.hash_datetime.clone(),
            None => delivery.occurred_at.to_rfc3339(),
        };
        let hash = rook_hash(key, &delivery.endpoint.client_uuid, delivery.user_id.as_deref(), &datetime);
        headers.push(("x-rook-hash".to_owned(), hash));
    }
    Ok(OutgoingRequest { url: url.to_owned(), headers, body: body.clone() })
}

fn attempt_result(channel: Channel, outcome: &AttemptOutcome) -> AttemptResult {
    if outcome.succeeded() {
        AttemptResult::Succeeded
    } else if outcome.status == Some(410) && channel == Channel::Notification {
        // Only the Notification Webhook subscription can be disabled; for data it is a rejection.
        AttemptResult::Gone
    } else {
        AttemptResult::Failed { retry_after: outcome.retry_after }
    }
}

fn attempt_record(
    delivery: ClaimedDelivery,
    request: OutgoingRequest,
    outcome: AttemptOutcome,
    result: AttemptResult,
    next: NextState,
    notice: Option<crate::store::RejectionNotice>,
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
        resend_mark: delivery.resend_mark,
        lease: delivery.lease,
        attempt_number: delivery.attempt_count + 1,
        trigger: delivery.trigger,
        triggered_by: delivery.triggered_by,
        delivery_id: delivery.id,
        channel: delivery.channel,
        endpoint: delivery.endpoint,
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
        notice,
    }
}
