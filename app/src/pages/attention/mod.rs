//! What needs a client's attention, per environment: failed notifications and rejected Data Webhook
//! deliveries, and resending each all at once.

mod page;

pub use page::AttentionPage;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dto::{BulkResend, BulkResendReceipt, DataDeliverySummary, NotificationSummary, SubscriptionView};
use crate::error::AppError;
use crate::vocab::Environment;

/// How many failed notifications each environment lists (the feed shows them all).
pub const FAILED_SHOWN: u32 = 20;

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionData {
    pub client_uuid: String,
    pub client_name: String,
    /// The default start of "Resend all failed since …": seven days ago (`YYYY-MM-DD`, UTC).
    pub default_since: String,
    pub environments: Vec<FailedInEnvironment>,
}

/// One environment's failed notifications, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedInEnvironment {
    pub environment: Environment,
    pub subscription: SubscriptionView,
    pub failed: Vec<NotificationSummary>,
    /// Whether there are more than those listed.
    pub more: bool,
    /// Data deliveries the client's Data Webhook rejected (for good, or so far with a retry to come),
    /// newest first: what "Resend rejected data" queues.
    pub rejected_data: Vec<DataDeliverySummary>,
    pub more_rejected_data: bool,
}

/// The newest failed notifications of each environment of a client.
#[server(prefix = "/fn", endpoint = "failed_notifications")]
pub async fn failed_notifications(client_uuid: String) -> Result<AttentionData, AppError> {
    use crate::backend::{as_viewer, respond_with};
    use crate::dto::{DataDeliveryQuery, NotificationQuery};
    use crate::timestamp::Timestamp;
    use crate::vocab::{DataDeliveryStatus, NotificationStatus};
    let outcome: Result<AttentionData, AppError> = as_viewer(|backend, viewer| async move {
        let client = backend.client_view(&viewer, client_uuid).await?;
        let mut environments = Vec::new();
        for env in client.environments {
            let query = NotificationQuery {
                client_uuid: Some(client.client_uuid.clone()),
                environment: Some(env.environment),
                status: Some(NotificationStatus::Failed),
                limit: Some(FAILED_SHOWN),
                ..NotificationQuery::default()
            };
            let page = backend.list_notifications(&viewer, query).await?;
            let data_query = DataDeliveryQuery {
                client_uuid: Some(client.client_uuid.clone()),
                environment: Some(env.environment),
                status: Some(DataDeliveryStatus::Failed),
                limit: Some(FAILED_SHOWN),
                ..DataDeliveryQuery::default()
            };
            let rejected = backend.list_data_deliveries(&viewer, data_query.clone()).await?;
            // "Resend rejected data" also queues deliveries still retrying after a rejection: list
            // them too, so the page shows what the button resends.
            let retry_query = DataDeliveryQuery { status: Some(DataDeliveryStatus::Retrying), ..data_query };
            let retrying = backend.list_data_deliveries(&viewer, retry_query).await?;
            let more_rejected_data = rejected.next_cursor.is_some() || retrying.next_cursor.is_some();
            let mut rejected_data = rejected.items;
            rejected_data.extend(retrying.items);
            rejected_data.sort_by_key(|d| std::cmp::Reverse(d.created_at));
            rejected_data.truncate(FAILED_SHOWN as usize);
            environments.push(FailedInEnvironment {
                environment: env.environment,
                subscription: env.subscription,
                more: page.next_cursor.is_some(),
                failed: page.items,
                more_rejected_data,
                rejected_data,
            });
        }
        let default_since = Timestamp::now().plus_seconds(-7 * 86_400).to_rfc3339()[..10].to_owned();
        Ok(AttentionData { client_uuid: client.client_uuid, client_name: client.name, default_since, environments })
    })
    .await;
    outcome.map_err(respond_with)
}

/// Queues an immediate attempt of every failed notification of an environment recorded since the
/// start of the day `since` (`YYYY-MM-DD`, UTC). Without JavaScript the browser comes back to the
/// page with the counts in the query.
#[server(prefix = "/fn", endpoint = "resend_failed_since")]
pub async fn resend_failed_since(
    client_uuid: String,
    environment: Environment,
    since: String,
) -> Result<BulkResendReceipt, AppError> {
    resend_since(BulkResend::FailedNotifications, client_uuid, environment, since).await
}

/// Queues an immediate attempt of every rejected data delivery of an environment handed over since the
/// start of the day `since` (`YYYY-MM-DD`, UTC). Without JavaScript the browser comes back to the page
/// with the counts in the query.
#[server(prefix = "/fn", endpoint = "resend_rejected_data_since")]
pub async fn resend_rejected_data_since(
    client_uuid: String,
    environment: Environment,
    since: String,
) -> Result<BulkResendReceipt, AppError> {
    resend_since(BulkResend::RejectedData, client_uuid, environment, since).await
}

/// The query keys under which a form post of `what` brings its receipt's counts back to the page (both
/// forms share the page, so each kind has its own): queued, then remaining.
fn receipt_keys(what: BulkResend) -> (&'static str, &'static str) {
    match what {
        BulkResend::FailedNotifications => ("queued", "remaining"),
        BulkResend::RejectedData => ("data_queued", "data_remaining"),
    }
}

/// A bulk resend form's post: `since` is a day, and the page gets the counts back under the kind's
/// [`receipt_keys`].
#[cfg(feature = "ssr")]
async fn resend_since(
    kind: BulkResend,
    client_uuid: String,
    environment: Environment,
    since: String,
) -> Result<BulkResendReceipt, AppError> {
    use crate::backend::as_viewer;
    use crate::components::client_nav::ClientTab;
    use crate::components::notice::finish_form_post;
    use crate::query::TimeBound;
    let page = ClientTab::Attention.href(&client_uuid);
    let outcome = as_viewer(|backend, viewer| async move {
        let since = match since.trim() {
            "" => return Err(AppError::validation("since", "Enter the date to resend from.")),
            since => since.parse::<TimeBound>().map_err(|e| AppError::validation("since", e.to_string()))?.start(),
        };
        backend.resend_in_bulk(&viewer, kind, client_uuid, environment, since, None).await
    })
    .await;
    let (queued, remaining) = receipt_keys(kind);
    finish_form_post(outcome, &page, |receipt| {
        vec![(queued, receipt.queued.to_string()), (remaining, receipt.remaining.to_string())]
    })
}
