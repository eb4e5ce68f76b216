//! Following the feed in the browser: an `EventSource` on `/live/notifications` (see the server's
//! `web::live`) whose events are the notifications recorded after the newest one shown.

use leptos::prelude::*;

use super::FeedData;
use crate::dto::NotificationSummary;
use crate::error::AppError;

/// While the feed shows its first page, puts each newly recorded notification that matches the
/// filters at the front of `arrived`. Returns whether the feed is being followed (never on the server).
pub fn follow(
    feed: Resource<Result<FeedData, AppError>>,
    arrived: RwSignal<Vec<NotificationSummary>>,
) -> ReadSignal<bool> {
    let (following, set_following) = signal(false);
    #[cfg(feature = "hydrate")]
    browser::follow(feed, arrived, set_following);
    #[cfg(not(feature = "hydrate"))]
    let _ = (feed, arrived, set_following);
    following
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    use super::super::FeedData;
    use crate::components::filters::with_query;
    use crate::dto::{NotificationQuery, NotificationSummary};
    use crate::error::AppError;
    use crate::query::to_pairs;

    /// An open event source and the handler it calls (dropping the handler would break it).
    struct Connection {
        source: EventSource,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
    }

    pub(super) fn follow(
        feed: Resource<Result<FeedData, AppError>>,
        arrived: RwSignal<Vec<NotificationSummary>>,
        set_following: WriteSignal<bool>,
    ) {
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
            arrived.set(Vec::new());
            let Some(Ok(data)) = feed.get() else { return };
            // Only the first page follows: an older page is history.
            if data.query.cursor.is_some() {
                return;
            }
            let url = feed_url(&data);
            let Ok(source) = EventSource::new(&url) else { return };
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(text) = event.data().as_string() else { return };
                let Ok(notification) = serde_json::from_str::<NotificationSummary>(&text) else { return };
                arrived.update(|rows| {
                    if !rows.iter().any(|r| r.id == notification.id) {
                        rows.insert(0, notification);
                    }
                });
            });
            source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            connection.set_value(Some(Connection { source, _on_message: on_message }));
            set_following.set(true);
        });
        on_cleanup(close);
    }

    /// The event stream's URL: the feed's own query, after the newest notification shown.
    fn feed_url(data: &FeedData) -> String {
        let after = data.page.items.first().map(|n| n.id.clone());
        let query = NotificationQuery { after, limit: None, ..data.query.clone() };
        with_query("/live/notifications", &to_pairs(&query))
    }
}
