//! The live notification feed: Server-Sent Events that carry a client's newly recorded notifications
//! to an open feed page, so new rows appear without a reload.
//!
//! `GET /live/notifications?…` takes the feed page's own query ([`NotificationQuery`]: the same
//! filters, read the same way; `after` is the newest notification the page shows) and answers
//! `text/event-stream`. Each event is one notification (the JSON of a `NotificationSummary`, its `id`
//! as the event id, so a reconnecting browser sends `Last-Event-ID` and misses nothing). The session
//! is checked on every connection, through the same service layer as the server functions: 401
//! `{"kind":"unauthenticated"}` when signed out, 404 for a client the account may not see, 422 naming
//! the filter at fault.
//!
//! A feed looks with the feed's own listing — the same query and SQL, oldest first after the last
//! notification it sent — so no filter is written twice. It wakes when this process records a
//! notification for its client, and every two seconds for those recorded by other processes; wake-ups
//! are coalesced to at most one look per [`LOOK_GAP`], so a feed's cost does not grow with the event
//! rate. On every look it checks the session again in the session store, so a feed ends within
//! seconds of sign-out (the session is deleted) or expiry, rather than streaming on for a browser that
//! is no longer signed in. A connection ends after ten minutes (the browser reconnects) and when the
//! server shuts down.

use std::collections::VecDeque;
use std::time::Duration;

use app::dto::{NotificationQuery, NotificationSummary};
use app::error::AppError;
use app::query::parse_pairs;
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
use crate::service::{Actor, Services};
use crate::store::new_id;
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
    // A reconnecting browser says which notification it saw last; a feed that names none starts now
    // (ids are UUIDv7: one made now sorts after everything recorded so far).
    let last_seen = headers.get("last-event-id").and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty());
    let after = last_seen.map(str::to_owned).or(query.after.take()).unwrap_or_else(new_id);
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
        cursor: after,
        wakeups,
        pending: VecDeque::new(),
        greeted: false,
    };
    // The first look also authorises: a client the actor may not see ends here, before any event.
    feed.look().await?;
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
    /// The last notification looked at: where the next look continues.
    cursor: String,
    wakeups: Wakeups,
    /// Found, not sent yet.
    pending: VecDeque<NotificationSummary>,
    /// Whether the reconnection delay was sent.
    greeted: bool,
}

impl Feed {
    /// The next event, or `None` when the connection should end.
    async fn next_event(mut self) -> Option<(Result<Event, axum::Error>, Self)> {
        if !self.greeted {
            self.greeted = true;
            return Some((Ok(Event::default().retry(RECONNECT_AFTER).comment("live")), self));
        }
        loop {
            if let Some(notification) = self.pending.pop_front() {
                let event = Event::default().id(notification.id.clone()).json_data(&notification);
                return Some((event, self));
            }
            if !self.wakeups.next().await {
                return None;
            }
            if !still_signed_in(&self.sessions, self.session_id, &self.account_id).await {
                tracing::debug!("live feed ended: the session is over");
                return None;
            }
            if let Err(err) = self.look().await {
                // Access can change while a feed is open (an account removed): stop, the browser
                // reconnects and gets the answer it now deserves.
                tracing::info!(error = %err, "live feed ended");
                return None;
            }
        }
    }

    /// Lists what was recorded after the cursor with the feed's own query, and queues it.
    async fn look(&mut self) -> Result<(), AppError> {
        let query =
            NotificationQuery { after: Some(self.cursor.clone()), limit: Some(LOOK_LIMIT), ..self.query.clone() };
        let page = self.services.list_notifications(&self.actor, query).await?;
        // A full page: there may be more, look again as soon as the gap allows.
        self.wakeups.look_again = page.items.len() == LOOK_LIMIT as usize;
        if let Some(next) = page.next_cursor {
            self.cursor = next;
        }
        self.pending.extend(page.items);
        Ok(())
    }
}

/// When a feed should look again: a recording for its client, a poll tick, or more left from the last
/// look — never sooner than [`LOOK_GAP`] after the previous look.
struct Wakeups {
    recorded: broadcast::Receiver<String>,
    closing: watch::Receiver<bool>,
    /// The client whose recordings wake this feed (`None`: any).
    watched: Option<String>,
    deadline: Instant,
    last_look: Instant,
    /// The last look filled its page: there may be more right away.
    look_again: bool,
}

impl Wakeups {
    fn new(recorded: broadcast::Receiver<String>, closing: watch::Receiver<bool>, watched: Option<String>) -> Self {
        let now = Instant::now();
        Wakeups { recorded, closing, watched, deadline: now + CONNECTION_LIFETIME, last_look: now, look_again: false }
    }

    /// Waits until the feed should look again; `false` when the connection should end instead.
    async fn next(&mut self) -> bool {
        let woken = std::mem::take(&mut self.look_again) || self.heard_something().await;
        if !woken {
            return false;
        }
        // Whatever else is recorded during the gap is found by this one look.
        let earliest = self.last_look + LOOK_GAP;
        tokio::select! {
            () = tokio::time::sleep_until(earliest) => {}
            () = tokio::time::sleep_until(self.deadline) => return false,
            _ = self.closing.wait_for(|closing| *closing) => return false,
        }
        self.last_look = Instant::now();
        true
    }

    /// Waits for a recording of the watched client or the poll tick; `false` when the connection ends.
    async fn heard_something(&mut self) -> bool {
        let tick = tokio::time::sleep(POLL_INTERVAL);
        tokio::pin!(tick);
        loop {
            tokio::select! {
                () = &mut tick => return true,
                () = tokio::time::sleep_until(self.deadline) => return false,
                _ = self.closing.wait_for(|closing| *closing) => return false,
                heard = self.recorded.recv() => match heard {
                    Ok(client_uuid) if self.watched.as_ref().is_none_or(|w| *w == client_uuid) => return true,
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => return true,
                    Err(broadcast::error::RecvError::Closed) => return false,
                },
            }
        }
    }
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
                let _ = recorded.send("c".to_owned());
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        let mut looks = 0;
        while started.elapsed() < window {
            assert!(wakeups.next().await);
            looks += 1;
        }
        recorder.abort();
        // One second holds four gaps of 250 ms; the last look may land just past the window.
        assert!(looks <= 5, "{looks} looks in one second of constant recording");
        assert!(looks >= 1);
    }

    #[tokio::test]
    async fn shutting_down_ends_the_wait() {
        let (_recorded, receiver) = broadcast::channel::<String>(16);
        let (closing_tx, closing) = watch::channel(false);
        let mut wakeups = Wakeups::new(receiver, closing, None);
        closing_tx.send(true).unwrap();
        assert!(!wakeups.next().await);
    }
}
