//! `/clients/:client_uuid/notifications`: a client's notifications, newest first, filtered by the
//! page's query, a page at a time ("Older" carries the keyset cursor), and — on the first page, with
//! JavaScript — live: new notifications appear at the top as they are recorded, and each row's status
//! and attempts change as attempts finish. Without JavaScript the page says to reload it.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{live, notification_feed};
use crate::components::client_nav::{ClientNav, ClientTab};
use crate::components::filters::{FilterForm, filter_pairs, with_query};
use crate::components::load_error::LoadError;
use crate::components::notification_table::NotificationTable;
use crate::dto::NotificationQuery;
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::i18n::words::{notification as w, parts};
use crate::query::from_params;

/// The feed page.
#[component]
pub fn FeedPage() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let query = use_query_map();
    let client_uuid = Memo::new(move |_| params.read().get("client_uuid").unwrap_or_default());
    // The page's URL query is the feed's query, read as the API reads it.
    let filters = Memo::new(move |_| from_params::<NotificationQuery>(&query.read()));
    let feed = Resource::new(
        move || (client_uuid.get(), filters.get()),
        |(client_uuid, filters)| async move {
            notification_feed(NotificationQuery { client_uuid: Some(client_uuid), ..filters? }).await
        },
    );
    let (live, following) = live::follow(feed);

    view! {
        <Suspense fallback=move || view! { <p>{lang.t(parts::LOADING)}</p> }>
            {move || Suspend::new(async move {
                match feed.await {
                    Ok(data) => {
                        let filters = data.query.clone();
                        let kept = filter_pairs(&filters);
                        let base = ClientTab::Notifications.href(&data.client_uuid);
                        let older = data.page.next_cursor.map(|cursor| {
                            let mut pairs = kept.clone();
                            pairs.push(("cursor".to_owned(), cursor));
                            view! { <a href=with_query(&base, &pairs) rel="next">{lang.t(w::OLDER)}</a> }
                        });
                        let newest = filters
                            .cursor
                            .is_some()
                            .then(|| view! { <a href=with_query(&base, &kept)>{lang.t(w::NEWEST)}</a> });
                        let empty_text = if !kept.is_empty() {
                            lang.t(w::NO_MATCH)
                        } else {
                            lang.t(w::NONE_YET)
                        };
                        let listed = data.page.items;
                        let rows = move || live.rows(&listed);
                        let is_empty = {
                            let rows = rows.clone();
                            move || rows().is_empty()
                        };
                        view! {
                            <ClientNav
                                client_uuid=data.client_uuid.clone()
                                name=data.client_name
                                current=ClientTab::Notifications
                            />
                            <FilterForm action=base.clone() query=filters />
                            <p class="live-status" role="status">
                                {move || {
                                    if following.get() {
                                        lang.t(w::LIVE_ON)
                                    } else {
                                        lang.t(w::LIVE_OFF)
                                    }
                                }}
                            </p>
                            <Show when=is_empty fallback=move || view! { <NotificationTable rows=rows.clone() /> }>
                                <p class="empty">{empty_text}</p>
                            </Show>
                            <nav class="pager" aria-label=lang.t(w::PAGES)>
                                {newest}
                                {older}
                            </nav>
                        }
                            .into_any()
                    }
                    // A filter the page cannot read (a hand-edited `?status=bogus`): say which, and
                    // keep the form, open on a phone too, so the person can fix the filter rather
                    // than lose the page.
                    Err(err @ AppError::Validation { .. }) => {
                        let base = ClientTab::Notifications.href(&client_uuid.get_untracked());
                        view! {
                            <LoadError err />
                            <FilterForm action=base.clone() query=NotificationQuery::default() open=true />
                            <p>
                                <a href=base>{lang.t(w::SHOW_EVERY)}</a>
                            </p>
                        }
                            .into_any()
                    }
                    Err(err) => view! { <LoadError err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
