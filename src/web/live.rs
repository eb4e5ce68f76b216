//! The live notification feed: Server-Sent Events that carry a client's newly recorded notifications
//! to an open feed page, so new rows appear without a reload.
//!
//! `GET /live/notifications?client_uuid=…&environment=…&category=…&type=…&status=…&user_id=…&after=…`
//! answers `text/event-stream`. Each event is one notification (the JSON of a `NotificationSummary`,
//! its `id` as the event id, so a reconnecting browser sends `Last-Event-ID` and misses nothing). The
//! session is checked on every connection, through the same service layer as the server functions:
//! 401 `{"kind":"unauthenticated"}` when signed out, 404 for a client the account may not see.
//!
//! A feed wakes when this process records a notification for its client, and every two seconds for
//! those recorded by other processes. On every wake-up it checks the session again in the session
//! store, so a feed ends within seconds of sign-out (the session is deleted) or expiry, rather than
//! streaming on for a browser that is no longer signed in. A connection ends after ten minutes (the
//! browser reconnects) and when the server shuts down.

use std::collections::VecDeque;
use std::str::FromStr;
use std::time::Duration;

use app::dto::{NotificationQuery, NotificationSummary};
use app::error::AppError;
use app::timestamp::Timestamp;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use serde::Deserialize;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;
use tower_sessions::Session;

use super::session::{BrowserSession, SqlSessionStore, still_signed_in};
use crate::service::{Actor, Services};
use app::backend::SessionPort;

/// How often a feed looks for notifications recorded by other processes.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How long one connection lasts before the browser is asked to reconnect.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(600);
/// How often a comment is sent on a quiet connection, so proxies do not close it.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long the browser waits before reconnecting.
const RECONNECT_AFTER: Duration = Duration::from_secs(2);

/// The feed's filters, as the feed page puts them in the URL (empty values mean "any").
#[derive(Debug, Default, Deserialize)]
pub struct FeedParams {
    client_uuid: Option<String>,
    environment: Option<String>,
    category: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    status: Option<String>,
    user_id: Option<String>,
    since: Option<String>,
    until: Option<String>,
    /// The newest notification the page shows; absent: from now.
    after: Option<String>,
}

/// `GET /live/notifications`: the event stream, or the error a server function would answer.
pub async fn notifications(
    State((services, sessions)): State<(Services, SqlSessionStore)>,
    session: Session,
    headers: HeaderMap,
    Query(params): Query<FeedParams>,
) -> Response {
    match open(services, sessions, session, &headers, params).await {
        Ok(feed) => Sse::new(feed).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)).into_response(),
        Err(err) => {
            let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(err)).into_response()
        }
    }
}

/// Checks the session and the client, then starts the feed.
async fn open(
    services: Services,
    sessions: SqlSessionStore,
    session: Session,
    headers: &HeaderMap,
    params: FeedParams,
) -> Result<impl Stream<Item = Result<Event, axum::Error>> + use<>, AppError> {
    let account_id = BrowserSession::new(session.clone()).account_id().await?.ok_or(AppError::Unauthenticated)?;
    let session_id = session.id();
    let actor = services.actor_for_account(&account_id).await?.ok_or(AppError::Unauthenticated)?;
    // A reconnecting browser says which notification it saw last.
    let last_seen = headers.get("last-event-id").and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty());
    let after = last_seen.map(str::to_owned).or(params.after.clone().filter(|a| !a.is_empty()));
    let query = params.into_query()?;
    let watched = match &query.client_uuid {
        Some(uuid) => Some(uuid.trim().to_ascii_lowercase()),
        None => actor.own_client().map(str::to_owned),
    };
    // Listen before the first look, so nothing recorded in between goes unheard.
    let recorded = services.recorded_signal();
    let closing = services.shutdown_signal();
    // The first look also authorises: a client the actor may not see ends here, before any event.
    let first = services.notifications_after(&actor, &query, after.as_deref()).await?;
    let feed = Feed {
        cursor: first.next_cursor.clone().unwrap_or_default(),
        look_again: first.next_cursor.as_deref() != after.as_deref(),
        pending: first.items.into(),
        greeted: false,
        services,
        sessions,
        session_id,
        account_id,
        actor,
        query,
        watched,
        recorded,
        closing,
        deadline: Instant::now() + CONNECTION_LIFETIME,
    };
    Ok(futures::stream::unfold(feed, Feed::next_event))
}

impl FeedParams {
    /// The filters as a listing query; a value outside the vocabulary is a validation error.
    fn into_query(self) -> Result<NotificationQuery, AppError> {
        Ok(NotificationQuery {
            client_uuid: self.client_uuid.filter(|c| !c.is_empty()),
            environment: parse("environment", self.environment)?,
            kind: parse("type", self.kind)?,
            category: parse("category", self.category)?,
            status: parse("status", self.status)?,
            user_id: self.user_id.filter(|u| !u.is_empty()),
            since: parse::<Timestamp>("since", self.since)?,
            until: parse::<Timestamp>("until", self.until)?,
            limit: None,
            cursor: None,
        })
    }
}

/// An optional query value parsed into its type (empty is absent).
fn parse<T: FromStr>(field: &str, value: Option<String>) -> Result<Option<T>, AppError>
where
    T::Err: std::fmt::Display,
{
    value
        .filter(|v| !v.is_empty())
        .map(|v| v.parse::<T>().map_err(|e| AppError::validation(field, e.to_string())))
        .transpose()
}

/// One open feed.
struct Feed {
    services: Services,
    /// Where the session is checked again on every wake-up.
    sessions: SqlSessionStore,
    session_id: Option<tower_sessions::session::Id>,
    account_id: String,
    actor: Actor,
    query: NotificationQuery,
    /// The client whose recordings wake this feed (`None`: any).
    watched: Option<String>,
    recorded: broadcast::Receiver<String>,
    closing: watch::Receiver<bool>,
    deadline: Instant,
    /// Where the next look continues.
    cursor: String,
    /// The last look moved the cursor: there may be more right away.
    look_again: bool,
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
            if !self.wait().await {
                return None;
            }
            if !still_signed_in(&self.sessions, self.session_id, &self.account_id).await {
                tracing::debug!("live feed ended: the session is over");
                return None;
            }
            match self.services.notifications_after(&self.actor, &self.query, Some(&self.cursor)).await {
                Ok(page) => {
                    let next = page.next_cursor.unwrap_or_else(|| self.cursor.clone());
                    self.look_again = next != self.cursor;
                    self.cursor = next;
                    self.pending.extend(page.items);
                }
                Err(err) => {
                    // Access can change while a feed is open (an account removed): stop, the browser
                    // reconnects and gets the answer it now deserves.
                    tracing::info!(error = %err, "live feed ended");
                    return None;
                }
            }
        }
    }

    /// Waits until there may be something new; `false` when the connection should end.
    async fn wait(&mut self) -> bool {
        if std::mem::take(&mut self.look_again) {
            return true;
        }
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
