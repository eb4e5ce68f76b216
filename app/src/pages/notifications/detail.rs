//! `/notifications/:id`: one notification — its facts, payload and every delivery attempt — with
//! **Resend** and "Copy as curl".

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::curl::curl_command;
use super::rejected_data::{RejectedData, ResendRejectedData};
use super::{NotificationData, ResendNotification, notification_page};
use crate::components::attempt::{AttemptCard, error_kind_words};
use crate::components::browser::{CopyButton, refetch_until};
use crate::components::client_nav::{ClientNav, ClientTab};
use crate::components::facts::{Fact, IdFact};
use crate::components::loaded::Loaded;
use crate::components::notice::{ERROR_KEY, FormNotice, error_message};
use crate::components::notification_status::StatusBadge;
use crate::components::pretty_json::pretty_json;
use crate::components::state_badge::ResendNeedsSubscription;
use crate::components::time_label::TimeFact;
use crate::dto::{AttemptView, NotificationDetail};
use crate::vocab::{NotificationStatus, NotificationType, SubscriptionState};

/// How many seconds the page keeps looking for the attempt a resend queued.
const RESEND_WAIT_SECS: u32 = 20;

/// The notification page.
#[component]
pub fn NotificationPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let resend = ServerAction::<ResendNotification>::new();
    let resend_data = ServerAction::<ResendRejectedData>::new();
    let data = Resource::new(
        move || (id.get(), resend.version().get(), resend_data.version().get()),
        |(id, _, _)| notification_page(id),
    );
    // After "Resend rejected data", look again every second until the delivery has a new attempt.
    Effect::new(move |_| {
        if let Some(Ok(summary)) = resend_data.value().get() {
            let before = summary.progress.attempt_count as usize;
            let shown = move || {
                data.get_untracked()
                    .and_then(Result::ok)
                    .and_then(|d| d.detail.data_delivery.map(|dd| dd.attempts.len()))
                    .unwrap_or(0)
            };
            refetch_until(data, RESEND_WAIT_SECS, move || shown() > before);
        }
    });
    let data_error = Signal::derive(move || match resend_data.value().get() {
        Some(Err(err)) => Some(err.to_string()),
        _ => None,
    });
    let data_success = Signal::derive(move || match resend_data.value().get() {
        Some(Ok(_)) => Some("Resend queued: the new attempt shows below once it is made.".to_owned()),
        _ => {
            query.read().get("data_resent").map(|_| "Resend queued. Reload the page to see the new attempt.".to_owned())
        }
    });
    let attempts_shown = move || data.get_untracked().and_then(Result::ok).map_or(0, |d| d.detail.attempts.len());
    // After a resend, look again every second until the new attempt is there.
    let awaiting = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        if let Some(Ok(summary)) = resend.value().get() {
            let before = summary.progress.attempt_count as usize;
            awaiting.set(Some(before));
            refetch_until(data, RESEND_WAIT_SECS, move || attempts_shown() > before);
        }
    });
    // What the resend's attempt came to, once the page shows it: green only when it was delivered.
    let resent = Memo::new(move |_| {
        let before = awaiting.get()?;
        let attempts = data.get()?.ok()?.detail.attempts;
        Some((attempts.len() > before).then(|| attempts.last().map(resend_result)).flatten())
    });
    let error = Signal::derive(move || match resend.value().get() {
        Some(Err(err)) => Some(err.to_string()),
        Some(Ok(_)) => resent.get().flatten().and_then(Result::err),
        None => query.read().get(ERROR_KEY).and_then(|code| error_message(&code)),
    });
    let success = Signal::derive(move || match (resent.get(), resend.value().get()) {
        (Some(Some(result)), Some(Ok(_))) => result.ok(),
        (Some(None), Some(Ok(_))) => Some("Resend queued: waiting for the new attempt…".to_owned()),
        _ => query
            .read()
            .get("resent")
            .map(|_| "Resend queued. Reload the page to see the new attempt once it has been made.".to_owned()),
    });

    view! {
        <Loaded
            keep_shown=true
            content=move || async move {
                let data = data.await?;
                Ok(view! { <NotificationView data resend error success resend_data data_error data_success /> })
            }
        />
    }
}

/// What a resend's attempt came to, in words: `Ok` when it was delivered, `Err` when it failed.
fn resend_result(attempt: &AttemptView) -> Result<String, String> {
    let status = attempt.response_status.map(|s| format!("HTTP {s}"));
    if attempt.succeeded {
        let status = status.map(|s| format!(" ({s})")).unwrap_or_default();
        return Ok(format!("Resent: the new attempt was delivered{status}."));
    }
    let why = status.or_else(|| attempt.error_kind.map(|k| error_kind_words(k).to_owned()));
    let why = why.unwrap_or_else(|| "no answer".to_owned());
    Err(format!("Resent, but the new attempt failed: {why}. It is the newest under Attempts."))
}

/// Everything about the notification.
#[component]
fn NotificationView(
    data: NotificationData,
    resend: ServerAction<ResendNotification>,
    error: Signal<Option<String>>,
    success: Signal<Option<String>>,
    resend_data: ServerAction<ResendRejectedData>,
    data_error: Signal<Option<String>>,
    data_success: Signal<Option<String>>,
) -> impl IntoView {
    let NotificationData { client_name, detail, body, subscription } = data;
    // Resending needs an active subscription (the server answers 409 otherwise): say so up front.
    let blocked = subscription
        .filter(|s| s.state != SubscriptionState::Active)
        .map(|s| view! { <ResendNeedsSubscription state=s.state reason=s.disabled_reason id="resend-blocked" /> });
    let resend_off = blocked.is_some();
    let NotificationDetail { summary, payload, attempts, data_delivery } = detail;
    let rejected_data = data_delivery.map(|delivery| {
        view! {
            <RejectedData
                delivery
                notification_id=summary.id.clone()
                resend=resend_data
                error=data_error
                success=data_success
            />
        }
    });
    let feed = ClientTab::Notifications.href(&summary.client_uuid);
    let curl = match (attempts.last(), &body) {
        (Some(last), Some(body)) => {
            let command = curl_command(&last.url, &last.request_headers, body);
            view! {
                <p class="note">
                    "The last attempt's request, to send again by hand. Its signature was made for that attempt: "
                    "receivers reject signatures older than 5 minutes. Signing secrets are never part of it."
                </p>
                <pre id="curl-command">{command.clone()}</pre>
                <CopyButton label="Copy curl command" text=command />
            }
            .into_any()
        }
        _ => view! { <p class="empty">"No attempt has been made yet: there is no request to copy."</p> }.into_any(),
    };
    let payload_view = match body.as_deref().map(pretty_json) {
        Some(text) => view! { <pre class="payload">{text}</pre> }.into_any(),
        None => view! { <p class="empty">"The payload was removed by retention."</p> }.into_any(),
    };
    let rejected = (summary.kind == NotificationType::DataWebhookRejected)
        .then(|| payload.as_ref().map(|p| view! { <RejectionDetails payload=p.clone() /> }))
        .flatten();
    let next_due = summary
        .progress
        .next_attempt_at
        .filter(|_| matches!(summary.status, NotificationStatus::Retrying | NotificationStatus::Pending))
        .map(|at| view! { <TimeFact term="Next attempt due" at /> });
    let delivered = summary.progress.delivered_at.map(|at| view! { <TimeFact term="Delivered" at /> });
    let attempt_count = attempts.len();
    let attempts_view = if attempts.is_empty() {
        view! { <p class="empty">"No attempt yet."</p> }.into_any()
    } else {
        attempts.into_iter().rev().map(|attempt| view! { <AttemptCard attempt /> }).collect_view().into_any()
    };
    let id = summary.id.clone();

    view! {
        <ClientNav client_uuid=summary.client_uuid.clone() name=client_name />
        <p>
            <a href=feed>"All notifications"</a>
        </p>
        <h2>{format!("{} notification", summary.kind.as_str())}</h2>
        <dl class="facts">
            <IdFact term="Id (webhook-id)" id=summary.id.clone() />
            <dt>"Category"</dt>
            <dd>{summary.category.label()}</dd>
            <dt>"Environment"</dt>
            <dd>{summary.environment.label()}</dd>
            <Fact term="User id" value=summary.user_id />
            <Fact term="Data source" value=summary.data_source />
            <TimeFact term="Happened" at=summary.datetime />
            <TimeFact term="Recorded" at=summary.created_at />
            <dt>"Status"</dt>
            <dd>
                <StatusBadge status=summary.status />
                {summary.test.then_some(" (test notification)")}
            </dd>
            {next_due}
            {delivered}
        </dl>
        <ActionForm action=resend attr:class="inline">
            <input type="hidden" name="id" value=id />
            <button
                type="submit"
                disabled=move || resend_off || resend.pending().get()
                aria-describedby=resend_off.then_some("resend-blocked")
            >
                "Resend"
            </button>
        </ActionForm>
        {blocked}
        <FormNotice error success />
        {rejected}
        {rejected_data}
        <section aria-labelledby="payload-heading">
            <h3 id="payload-heading">"Payload"</h3>
            {payload_view}
        </section>
        <section aria-labelledby="curl-heading">
            <h3 id="curl-heading">"Copy as curl"</h3>
            {curl}
        </section>
        <section aria-labelledby="attempts-heading">
            <h3 id="attempts-heading">{format!("Attempts ({attempt_count}), newest first")}</h3>
            {attempts_view}
        </section>
    }
}

/// What a `data_webhook.rejected` notification says was rejected: the payload's `details`, field by
/// field.
#[component]
fn RejectionDetails(payload: serde_json::Value) -> impl IntoView {
    let fields = payload.get("details").and_then(|d| d.as_object()).map(|details| {
        details
            .iter()
            .map(|(name, value)| {
                let value = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                view! {
                    <dt>{name.replace('_', " ")}</dt>
                    <dd>{value}</dd>
                }
            })
            .collect_view()
    });
    view! {
        <section aria-labelledby="rejection-heading">
            <h3 id="rejection-heading">"What your Data Webhook rejected"</h3>
            <dl class="facts">{fields}</dl>
        </section>
    }
}
