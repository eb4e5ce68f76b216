//! Following the feed in the browser: an `EventSource` on `/live/notifications` (see the server's
//! `web::live`) whose unnamed events are the notifications recorded after the newest one shown, and
//! whose `changed` events are shown notifications as they are now (an attempt finished).

use std::collections::HashMap;

use leptos::prelude::*;

use super::FeedData;
use crate::dto::NotificationSummary;
use crate::error::AppError;

/// What the live feed added to and changed in the page's listing.
#[derive(Clone, Copy)]
pub struct LiveRows {
    /// Notifications recorded since the page was listed, newest first.
    arrived: RwSignal<Vec<NotificationSummary>>,
    /// The latest state heard of notifications already shown, by id.
    latest: RwSignal<HashMap<String, NotificationSummary>>,
}

impl LiveRows {
    /// The rows to show: arrivals first, then the listed ones that did not also arrive, each as last
    /// heard of.
    pub fn rows(&self, listed: &[NotificationSummary]) -> Vec<NotificationSummary> {
        let arrived = self.arrived.get();
        let latest = self.latest.get();
        let listed = listed.iter().filter(|n| !arrived.iter().any(|a| a.id == n.id));
        arrived.iter().chain(listed).map(|n| latest.get(&n.id).unwrap_or(n).clone()).collect()
    }
}

/// While the feed shows its first page, follows it: each newly recorded notification that matches
/// the filters goes to the top, and each shown one is redrawn when it changes. Returns the rows and
/// whether the feed is being followed (never on the server).
pub fn follow(feed: Resource<Result<FeedData, AppError>>) -> (LiveRows, ReadSignal<bool>) {
    let live = LiveRows { arrived: RwSignal::new(Vec::new()), latest: RwSignal::new(HashMap::new()) };
    let (following, set_following) = signal(false);
    #[cfg(feature = "hydrate")]
    browser::follow(feed, live, set_following);
    #[cfg(not(feature = "hydrate"))]
    let _ = (feed, set_following);
    (live, following)
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use leptos::task::spawn_local;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    use super::super::{FeedData, notification_feed};
    use super::LiveRows;
    use crate::components::filters::with_query;
    use crate::dto::{NotificationQuery, NotificationSummary};
    use crate::error::AppError;
    use crate::query::to_pairs;

    /// A handler of events whose data is one notification.
    type Handler = Closure<dyn FnMut(MessageEvent)>;

    /// An open event source and the handlers it calls (dropping a handler would break it).
    struct Connection {
        source: EventSource,
        _on_new: Handler,
        _on_changed: Handler,
        _on_open: Closure<dyn FnMut()>,
    }

    pub(super) fn follow(feed: Resource<Result<FeedData, AppError>>, live: LiveRows, set_following: WriteSignal<bool>) {
        let connection = StoredValue::new_local(None::<Connection>);
        let close = move || {
            connection.update_value(|c| {
                if let Some(c) = c.take() {
                    c.source.close();
                }
            });
            set_following.set(false);
        };
        // Runs again whenever the feed is loaded anew (other filters, another page).
        Effect::new(move |_| {
            close();
            live.arrived.set(Vec::new());
            live.latest.set(Default::default());
            let Some(Ok(data)) = feed.get() else { return };
            // Only the first page follows: an older page is history.
            if data.query.cursor.is_some() {
                return;
            }
            let Ok(source) = EventSource::new(&feed_url(&data)) else { return };
            let on_new = handler(move |n| {
                live.arrived.update(|rows| {
                    if !rows.iter().any(|r| r.id == n.id) {
                        rows.insert(0, n);
                    }
                });
            });
            let on_changed = handler(move |n| {
                live.latest.update(|latest| {
                    latest.insert(n.id.clone(), n);
                });
            });
            // The feed compares with what it saw when it opened (and again after each reconnection):
            // what changed since the page was listed is read once more now.
            let query = data.query.clone();
            let on_open = Closure::<dyn FnMut()>::new(move || {
                let query = query.clone();
                spawn_local(async move {
                    if let Ok(data) = notification_feed(query).await {
                        live.latest
                            .update(|latest| latest.extend(data.page.items.into_iter().map(|n| (n.id.clone(), n))));
                    }
                });
            });
            source.set_onmessage(Some(on_new.as_ref().unchecked_ref()));
            let _ = source.add_event_listener_with_callback("changed", on_changed.as_ref().unchecked_ref());
            source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            connection.set_value(Some(Connection {
                source,
                _on_new: on_new,
                _on_changed: on_changed,
                _on_open: on_open,
            }));
            set_following.set(true);
        });
        on_cleanup(close);
    }

    /// The handler that gives each event's notification to `take`.
    fn handler(mut take: impl FnMut(NotificationSummary) + 'static) -> Handler {
        Closure::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            if let Ok(notification) = serde_json::from_str::<NotificationSummary>(&text) {
                take(notification);
            }
        })
    }

    /// The event stream's URL: the feed's own query, after the newest notification shown.
    fn feed_url(data: &FeedData) -> String {
        let after = data.page.items.first().map(|n| n.id.clone());
        let query = NotificationQuery { after, limit: None, ..data.query.clone() };
        with_query("/live/notifications", &to_pairs(&query))
    }
}
