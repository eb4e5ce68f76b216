//! Following the feed in the browser: an `EventSource` on `/live/notifications` (see the server's
//! `web::live`) whose events are the notifications recorded after the newest one shown.

use leptos::prelude::*;

use super::FeedData;
use crate::components::filters::FeedFilters;
use crate::dto::NotificationSummary;
use crate::error::AppError;

/// While the feed shows its first page, puts each newly recorded notification that matches the
/// filters at the front of `arrived`. Returns whether the feed is being followed (never on the server).
pub fn follow(
    feed: Resource<Result<FeedData, AppError>>,
    filters: Memo<FeedFilters>,
    arrived: RwSignal<Vec<NotificationSummary>>,
) -> ReadSignal<bool> {
    let (following, set_following) = signal(false);
    #[cfg(feature = "hydrate")]
    browser::follow(feed, filters, arrived, set_following);
    #[cfg(not(feature = "hydrate"))]
    let _ = (feed, filters, arrived, set_following);
    following
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    use super::super::FeedData;
    use crate::components::filters::{FeedFilters, with_query};
    use crate::dto::NotificationSummary;
    use crate::error::AppError;

    /// An open event source and the handler it calls (dropping the handler would break it).
    struct Connection {
        source: EventSource,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
    }

    pub(super) fn follow(
        feed: Resource<Result<FeedData, AppError>>,
        filters: Memo<FeedFilters>,
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
            let filters = filters.get_untracked();
            if !filters.cursor.is_empty() {
                return;
            }
            let Some(url) = feed_url(&data, &filters) else { return };
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

    /// The event stream's URL: the feed's client and filters, after the newest notification shown.
    fn feed_url(data: &FeedData, filters: &FeedFilters) -> Option<String> {
        let query = filters.to_query(&data.client_uuid).ok()?;
        let mut pairs = vec![("client_uuid", data.client_uuid.clone())];
        let optional = [
            ("environment", query.environment.map(|v| v.to_string())),
            ("category", query.category.map(|v| v.to_string())),
            ("type", query.kind.map(|v| v.to_string())),
            ("status", query.status.map(|v| v.to_string())),
            ("user_id", query.user_id),
            ("since", query.since.map(|v| v.to_string())),
            ("until", query.until.map(|v| v.to_string())),
            ("after", data.page.items.first().map(|n| n.id.clone())),
        ];
        pairs.extend(optional.into_iter().filter_map(|(key, value)| value.map(|v| (key, v))));
        Some(with_query("/live/notifications", &pairs))
    }
}
