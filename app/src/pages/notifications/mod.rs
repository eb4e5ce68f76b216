//! A client's notifications: the feed (filtered, paginated, live) and one notification with every
//! delivery attempt, with the server functions they call.

pub mod curl;
pub mod detail;
pub mod feed;
mod live;
pub mod rejected_data;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dto::{NotificationDetail, NotificationQuery, NotificationSummary, Page, SubscriptionView};
use crate::error::AppError;

/// One page of a client's feed, with what heads the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedData {
    pub client_uuid: String,
    pub client_name: String,
    /// The query this page answers (its client named), for the links and the live feed.
    pub query: NotificationQuery,
    pub page: Page<NotificationSummary>,
}

/// A notification with its client's name and its body exactly as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationData {
    pub client_name: String,
    pub detail: NotificationDetail,
    /// The stored body, byte for byte (`None` once purged by retention).
    pub body: Option<String>,
    /// The subscription of the notification's environment: resending needs it active.
    pub subscription: Option<SubscriptionView>,
}

/// A page of a client's notifications, newest first (the query names the client; a client account
/// that names none gets its own).
#[server(prefix = "/fn", endpoint = "notification_feed")]
pub async fn notification_feed(query: NotificationQuery) -> Result<FeedData, AppError> {
    use crate::backend::{as_viewer, respond_with};
    let outcome: Result<FeedData, AppError> = as_viewer(|backend, viewer| async move {
        let client_uuid = query
            .client_uuid
            .clone()
            .or_else(|| viewer.client_uuid.clone())
            .ok_or_else(|| AppError::validation("client_uuid", "Name the client whose notifications to list."))?;
        let client = backend.client_view(&viewer, client_uuid).await?;
        let query = NotificationQuery { client_uuid: Some(client.client_uuid.clone()), ..query };
        let page = backend.list_notifications(&viewer, query.clone()).await?;
        Ok(FeedData { client_uuid: client.client_uuid, client_name: client.name, query, page })
    })
    .await;
    outcome.map_err(respond_with)
}

/// One notification with every attempt, its client's name and its stored body.
#[server(prefix = "/fn", endpoint = "notification_page")]
pub async fn notification_page(id: String) -> Result<NotificationData, AppError> {
    use crate::backend::{as_viewer, respond_with};
    let outcome: Result<NotificationData, AppError> = as_viewer(|backend, viewer| async move {
        let detail = backend.notification_detail(&viewer, id.clone()).await?;
        let client = backend.client_view(&viewer, detail.summary.client_uuid.clone()).await?;
        let body = backend.notification_body(&viewer, id).await?;
        let subscription = client
            .environments
            .into_iter()
            .find(|e| e.environment == detail.summary.environment)
            .map(|e| e.subscription);
        Ok(NotificationData { client_name: client.name, detail, body, subscription })
    })
    .await;
    outcome.map_err(respond_with)
}

/// Queues an immediate new attempt of a notification. Without JavaScript the browser comes back to
/// the notification's page, told in the query that the resend was queued.
#[server(prefix = "/fn", endpoint = "resend_notification")]
pub async fn resend_notification(id: String) -> Result<NotificationSummary, AppError> {
    use crate::backend::as_viewer;
    use crate::components::notice::finish_form_post;
    use crate::components::notification_table::notification_href;
    let page = notification_href(&id);
    let outcome = as_viewer(|backend, viewer| async move { backend.resend(&viewer, id).await }).await;
    finish_form_post(outcome, &page, |_| vec![("resent", "1".to_owned())])
}
