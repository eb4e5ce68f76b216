//! The live notification feed: Server-Sent Events that carry a client's newly recorded notifications
//! to an open feed page, and the changes of the rows it shows, so the page follows without a reload.
//!
//! `GET /live/notifications?…` takes the feed page's own query ([`NotificationQuery`]: the same
//! filters, read the same way; `after` is the newest notification the page shows) and answers
//! `text/event-stream`. Each unnamed event is a new notification (the JSON of a `NotificationSummary`,
//! its `id` as the event id, so a reconnecting browser sends `Last-Event-ID` and misses nothing). New
//! means committed after the last one sent, in commit order (`store/commit_order.rs`): the feed keeps
//! that place, starting from the one `Last-Event-ID` or `after` names (resolved like the pull API's
//! `after`) or from the latest committed when it opens, so a notification whose transaction commits
//! after a newer id was sent still goes out. The commit position itself never leaves the server. Each
//! `changed` event is a notification the page already has, as it is now (its status, attempt count
//! and last attempt changed), with no event id. The session is checked on every connection, through
//! the same service layer as the server functions: 401 `{"kind":"unauthenticated"}` when signed out,
//! 404 for a client the account may not see, 422 naming the filter at fault.
//!
//! A feed looks with the feed's own listing — the same query and SQL — so no filter is written twice:
//! oldest first in commit order after the last notification it sent for what is new, or, when
//! notifications of its client changed, the newest [`LOOK_LIMIT`] again, compared with what it last saw
//! of them (and, when that shows one it has not seen, what is new as well). It wakes
//! when this process records a notification for its client or an attempt of one (the `recorded`
//! signal, [`Recorded`]), and every two seconds for what other processes record (reading the newest
//! again only while one of them still waits for an attempt); wake-ups are coalesced to at most one look
//! per [`LOOK_GAP`], so a feed's cost does not grow with the event rate. On every look it checks the
//! session again in the session store, so a feed ends within seconds of sign-out (the session is
//! deleted) or expiry, rather than streaming on for a browser that is no longer signed in. A
//! connection ends after ten minutes (the browser reconnects) and when the server shuts down.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use app::dto::{NotificationQuery, NotificationSummary};
use app::error::AppError;
use app::query::parse_pairs;
use app::vocab::NotificationStatus;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;
use tower_sessions::Session;

use super::session::{BrowserSession, SqlSessionStore, still_signed_in};
use crate::engine::recorded::Recorded;
use crate::service::{Actor, Services};
use app::backend::SessionPort;

/// How often a feed looks for notifications recorded by other processes.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// The shortest time between two looks of one feed, however many notifications are recorded.
const LOOK_GAP: Duration = Duration::from_millis(250);
/// How many notifications one look lists at most.
const LOOK_LIMIT: u32 = 200;
/// How long one connection lasts before the browser is asked to reconnect.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(600);
/// How often a comment is sent on a quiet connection, so proxies do not close it.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long the browser waits before reconnecting.
const RECONNECT_AFTER: Duration = Duration::from_secs(2);

/// `GET /live/notifications`: the event stream, or the error a server function would answer.
pub async fn notifications(
    State((services, sessions)): State<(Services, SqlSessionStore)>,
    session: Session,
    headers: HeaderMap,
    pairs: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let opened = match pairs {
        Ok(Query(pairs)) => open(services, sessions, session, &headers, pairs).await,
        Err(_) => Err(AppError::validation("query", "The query string is malformed.")),
    };
    match opened {
        Ok(feed) => Sse::new(feed).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)).into_response(),
        Err(err) => {
            let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(err)).into_response()
        }
    }
}

/// Checks the session, the query and the client, then starts the feed.
async fn open(
    services: Services,
    sessions: SqlSessionStore,
    session: Session,
    headers: &HeaderMap,
    pairs: Vec<(String, String)>,
) -> Result<impl Stream<Item = Result<Event, axum::Error>> + use<>, AppError> {
    let account_id = BrowserSession::new(session.clone()).account_id().await?.ok_or(AppError::Unauthenticated)?;
    let session_id = session.id();
    let actor = services.actor_for_account(&account_id).await?.ok_or(AppError::Unauthenticated)?;
    let mut query: NotificationQuery = parse_pairs(pairs)?;
    if query.cursor.is_some() {
        return Err(AppError::validation("cursor", "A live feed follows what is new: it takes `after`, not `cursor`."));
    }
    // A reconnecting browser says which notification it saw last; a feed that names none starts after
    // the latest one committed. This also authorises: a client the actor may not see ends here, before
    // any event.
    let last_seen = headers.get("last-event-id").and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty());
    let after = last_seen.map(str::to_owned).or(query.after.take());
    let cursor = services.notification_feed_start(&actor, &query, after.as_deref()).await?;
    let watched = match &query.client_uuid {
        Some(uuid) => Some(uuid.trim().to_ascii_lowercase()),
        None => actor.own_client().map(str::to_owned),
    };
    // Listen before the first look, so nothing recorded in between goes unheard.
    let wakeups = Wakeups::new(services.recorded_signal(), services.shutdown_signal(), watched);
    let mut feed = Feed {
        services,
        sessions,
        session_id,
        account_id,
        actor,
        query,
        cursor,
        wakeups,
        known: BTreeMap::new(),
        pending: VecDeque::new(),
        greeted: false,
    };
    // The first look learns the state of what the page shows (the page reads it again once the feed is
    // open), and finds what was committed since the start.
    feed.read_again(false).await?;
    Ok(futures::stream::unfold(feed, Feed::next_event))
}

/// One open feed.
struct Feed {
    services: Services,
    /// Where the session is checked again on every look.
    sessions: SqlSessionStore,
    session_id: Option<tower_sessions::session::Id>,
    account_id: String,
    actor: Actor,
    /// The feed's query; each look lists what came after `cursor`.
    query: NotificationQuery,
    /// The place in commit order of the last notification sent (or of where the feed started): where
    /// the next look continues.
    cursor: i64,
    wakeups: Wakeups,
    /// The newest notifications up to the cursor as last seen (at most [`KNOWN_LIMIT`]): a look that
    /// reads them again sends those that changed.
    known: BTreeMap<String, NotificationSummary>,
    /// Found, not sent yet.
    pending: VecDeque<Outgoing>,
    /// Whether the reconnection delay was sent.
    greeted: bool,
}

/// An event waiting to be sent.
enum Outgoing {
    /// A notification committed after the cursor: a new row, at the top.
    New(NotificationSummary),
    /// A notification already shown or sent whose status or attempts changed: its row, redrawn.
    Changed(NotificationSummary),
}

impl Outgoing {
    fn event(&self) -> Result<Event, axum::Error> {
        match self {
            // The id is the resumption point: only new notifications move it.
            Outgoing::New(n) => Event::default().id(n.id.clone()).json_data(n),
            Outgoing::Changed(n) => Event::default().event(CHANGED_EVENT).json_data(n),
        }
    }
}

/// The name of the event that carries a changed notification (a new one is an unnamed `message`).
const CHANGED_EVENT: &str = "changed";
/// How many notifications a feed remembers the state of (the newest ones).
const KNOWN_LIMIT: usize = 2 * LOOK_LIMIT as usize;

impl Feed {
    /// The next event, or `None` when the connection should end.
    async fn next_event(mut self) -> Option<(Result<Event, axum::Error>, Self)> {
        if !self.greeted {
            self.greeted = true;
            return Some((Ok(Event::default().retry(RECONNECT_AFTER).comment("live")), self));
        }
        loop {
            if let Some(outgoing) = self.pending.pop_front() {
                return Some((outgoing.event(), self));
            }
            let heard = self.wakeups.next().await?;
            if !still_signed_in(&self.sessions, self.session_id, &self.account_id).await {
                tracing::debug!("live feed ended: the session is over");
                return None;
            }
            if let Err(err) = self.look(heard).await {
                // Access can change while a feed is open (an account removed): stop, the browser
                // reconnects and gets the answer it now deserves.
                tracing::info!(error = %err, "live feed ended");
                return None;
            }
        }
    }

    /// One look, one listing (two only when the newest show one not seen yet, or more than a window's
    /// worth arrived at once): the newest notifications again when some changed — or, on a poll tick,
    /// while one shown is still waiting for its attempt, as another process may have made it — and
    /// otherwise what came after the cursor.
    async fn look(&mut self, heard: Heard) -> Result<(), AppError> {
        let waiting = || self.known.values().any(|n| is_waiting(n.status));
        if heard.changed || (heard.tick && waiting()) { self.read_again(true).await } else { self.list_new().await }
    }

    /// Lists what was committed after the cursor with the feed's own query, oldest first, and queues it.
    async fn list_new(&mut self) -> Result<(), AppError> {
        let query = NotificationQuery { limit: Some(LOOK_LIMIT), ..self.query.clone() };
        let found = self.services.notifications_committed_after(&self.actor, query, self.cursor).await?;
        // A full page: there may be more, look again as soon as the gap allows.
        self.wakeups.look_again = found.len() == LOOK_LIMIT as usize;
        for (seq, n) in found {
            self.cursor = seq;
            self.remember(&n);
            self.pending.push_back(Outgoing::New(n));
        }
        Ok(())
    }

    /// Lists the newest notifications with the feed's own query and queues those that differ from what
    /// was known as changed (unless `tell` is false: the first look only learns what the page shows).
    /// The newest by id are not the newest by commit, so one not known yet may be new or not: then it
    /// lists what was committed after the cursor as well, which sends it if it is.
    async fn read_again(&mut self, tell: bool) -> Result<(), AppError> {
        let query = NotificationQuery { after: None, cursor: None, limit: Some(LOOK_LIMIT), ..self.query.clone() };
        let page = self.services.list_notifications(&self.actor, query).await?;
        let mut unseen = !tell;
        for n in page.items {
            match self.known.get(&n.id) {
                Some(known) if tell && known != &n => self.pending.push_back(Outgoing::Changed(n.clone())),
                Some(_) => {}
                None => unseen = true,
            }
            self.remember(&n);
        }
        if unseen { self.list_new().await } else { Ok(()) }
    }

    /// Keeps a notification's state as sent or shown, forgetting the oldest beyond [`KNOWN_LIMIT`].
    fn remember(&mut self, n: &NotificationSummary) {
        self.known.insert(n.id.clone(), n.clone());
        while self.known.len() > KNOWN_LIMIT {
            self.known.pop_first();
        }
    }
}

/// Whether a notification still waits for an attempt whose result a page should show.
fn is_waiting(status: NotificationStatus) -> bool {
    matches!(status, NotificationStatus::Pending | NotificationStatus::Retrying)
}

/// What woke a feed, gathered over one gap.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Heard {
    /// Notifications of the watched client changed (or some announcements were missed).
    changed: bool,
    /// The poll tick: another process may have recorded or changed something.
    tick: bool,
}

/// When a feed should look again: a recording for its client, a poll tick, or more left from the last
/// look — never sooner than [`LOOK_GAP`] after the previous look.
struct Wakeups {
    recorded: broadcast::Receiver<Recorded>,
    closing: watch::Receiver<bool>,
    /// The client whose recordings wake this feed (`None`: any).
    watched: Option<String>,
    deadline: Instant,
    last_look: Instant,
    /// The last look filled its page: there may be more right away.
    look_again: bool,
}

impl Wakeups {
    fn new(recorded: broadcast::Receiver<Recorded>, closing: watch::Receiver<bool>, watched: Option<String>) -> Self {
        let now = Instant::now();
        Wakeups { recorded, closing, watched, deadline: now + CONNECTION_LIFETIME, last_look: now, look_again: false }
    }

    /// Waits until the feed should look again, saying what was heard; `None` when the connection
    /// should end instead.
    async fn next(&mut self) -> Option<Heard> {
        let mut heard = Heard::default();
        if !std::mem::take(&mut self.look_again) {
            heard = self.heard_something().await?;
        }
        // Whatever else is recorded during the gap is found by this one look.
        let earliest = self.last_look + LOOK_GAP;
        tokio::select! {
            () = tokio::time::sleep_until(earliest) => {}
            () = tokio::time::sleep_until(self.deadline) => return None,
            _ = self.closing.wait_for(|closing| *closing) => return None,
        }
        // What was announced during the gap is covered by this look, not a reason for another one.
        loop {
            match self.recorded.try_recv() {
                Ok(recorded) => {
                    note(self.watched.as_deref(), &recorded, &mut heard);
                }
                Err(broadcast::error::TryRecvError::Lagged(_)) => heard.changed = true,
                Err(_) => break,
            }
        }
        self.last_look = Instant::now();
        Some(heard)
    }

    /// Waits for a recording of the watched client or the poll tick; `None` when the connection ends.
    async fn heard_something(&mut self) -> Option<Heard> {
        let tick = tokio::time::sleep(POLL_INTERVAL);
        tokio::pin!(tick);
        let mut heard = Heard::default();
        loop {
            tokio::select! {
                () = &mut tick => return Some(Heard { tick: true, ..heard }),
                () = tokio::time::sleep_until(self.deadline) => return None,
                _ = self.closing.wait_for(|closing| *closing) => return None,
                recorded = self.recorded.recv() => match recorded {
                    Ok(recorded) => {
                        if note(self.watched.as_deref(), &recorded, &mut heard) {
                            return Some(heard);
                        }
                    }
                    // Announcements were missed: read the newest again.
                    Err(broadcast::error::RecvError::Lagged(_)) => return Some(Heard { changed: true, ..heard }),
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    }
}

/// Adds an announcement about the `watched` client (`None`: any) to `heard`; whether it was about it.
fn note(watched: Option<&str>, recorded: &Recorded, heard: &mut Heard) -> bool {
    if watched.is_some_and(|w| w != recorded.client_uuid()) {
        return false;
    }
    if let Recorded::Changed(_) = recorded {
        heard.changed = true;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gap is a lower bound the code enforces (a slow machine only makes looks rarer), so the
    /// count's upper bound cannot fail for want of speed.
    #[tokio::test]
    async fn a_feed_looks_at_most_once_per_gap_however_fast_notifications_are_recorded() {
        let (recorded, receiver) = broadcast::channel(16);
        let (_closing, closing) = watch::channel(false);
        let mut wakeups = Wakeups::new(receiver, closing, Some("c".to_owned()));
        let started = Instant::now();
        let window = Duration::from_secs(1);
        // A recording every millisecond for longer than the window.
        let recorder = tokio::spawn(async move {
            for _ in 0..1500 {
                let _ = recorded.send(Recorded::Changed("c".to_owned()));
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        let mut looks = 0;
        while started.elapsed() < window {
            assert!(wakeups.next().await.is_some());
            looks += 1;
        }
        recorder.abort();
        // One second holds four gaps of 250 ms; the last look may land just past the window.
        assert!(looks <= 5, "{looks} looks in one second of constant recording");
        assert!(looks >= 1);
    }

    #[tokio::test]
    async fn changes_of_the_watched_client_ask_to_read_again_and_join_the_look_they_wait_for() {
        let (recorded, receiver) = broadcast::channel(16);
        let (_closing, closing) = watch::channel(false);
        let mut wakeups = Wakeups::new(receiver, closing, Some("c".to_owned()));
        recorded.send(Recorded::Changed("other".to_owned())).unwrap();
        recorded.send(Recorded::New("c".to_owned())).unwrap();
        assert_eq!(wakeups.next().await, Some(Heard::default()), "new notifications only: list what is new");

        // Woken by a new one; the change heard during the gap is read by the same look.
        recorded.send(Recorded::New("c".to_owned())).unwrap();
        recorded.send(Recorded::Changed("other".to_owned())).unwrap();
        recorded.send(Recorded::Changed("c".to_owned())).unwrap();
        assert_eq!(wakeups.next().await, Some(Heard { changed: true, tick: false }));
    }

    #[tokio::test]
    async fn shutting_down_ends_the_wait() {
        let (_recorded, receiver) = broadcast::channel::<Recorded>(16);
        let (closing_tx, closing) = watch::channel(false);
        let mut wakeups = Wakeups::new(receiver, closing, None);
        closing_tx.send(true).unwrap();
        assert!(wakeups.next().await.is_none());
    }
}
