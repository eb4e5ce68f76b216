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
use crate::components::time_label::{TimeFact, TimeLabel};
use crate::dto::{AttemptView, NotificationDetail};
use crate::payload::{Details, NotificationPayload};
use crate::reasons::reason_words;
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
    let details = payload.and_then(|p| serde_json::from_value::<NotificationPayload>(p).ok()).map(|p| p.details);
    let why = details.map(|details| match summary.kind {
        NotificationType::DataWebhookRejected => view! { <RejectionWords details /> }.into_any(),
        _ => view! { <ReasonBlock details data_source=summary.data_source.clone() /> }.into_any(),
    });
    let next_due = summary
        .progress
        .next_attempt_at
        .filter(|_| matches!(summary.status, NotificationStatus::Retrying | NotificationStatus::Pending))
        .map(|at| view! { " · next attempt " <TimeLabel at /> });
    let delivered = summary.progress.delivered_at.map(|at| view! { " · delivered " <TimeLabel at /> });
    let attempt_count = attempts.len();
    let attempts_view = if attempts.is_empty() {
        view! { <p class="empty">"No attempt yet."</p> }.into_any()
    } else {
        attempts.into_iter().rev().map(|attempt| view! { <AttemptCard attempt /> }).collect_view().into_any()
    };
    let id = summary.id.clone();
    let attempts_heading = if summary.kind == NotificationType::DataWebhookRejected {
        format!("Attempts to send this notice to your Notification Webhook ({attempt_count}), newest first")
    } else {
        format!("Attempts ({attempt_count}), newest first")
    };

    // The first screen holds what a developer comes for: the status, why, and the attempts; the
    // record's facts, the payload and the curl command follow.
    view! {
        <ClientNav client_uuid=summary.client_uuid.clone() name=client_name />
        <p>
            <a href=feed>"All notifications"</a>
        </p>
        <h2>{format!("{} notification", summary.kind.as_str())}</h2>
        <p class="status-line">
            <StatusBadge status=summary.status />
            {summary.test.then_some(" (test notification)")}
            {next_due}
            {delivered}
        </p>
        {why}
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
        <section aria-labelledby="attempts-heading">
            <h3 id="attempts-heading">{attempts_heading}</h3>
            {attempts_view}
        </section>
        {rejected_data}
        <section aria-labelledby="facts-heading">
            <h3 id="facts-heading">"Details"</h3>
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
            </dl>
        </section>
        <section aria-labelledby="payload-heading">
            <h3 id="payload-heading">"Payload"</h3>
            {payload_view}
        </section>
        <section aria-labelledby="curl-heading">
            <h3 id="curl-heading">"Copy as curl"</h3>
            {curl}
        </section>
    }
}

/// Why an extraction failed, from the table of reasons, with ROOK's own message when it sent one.
#[component]
fn ReasonBlock(details: Details, data_source: Option<String>) -> impl IntoView {
    let words = details.reason.map(|reason| reason_words(reason, data_source.as_deref()));
    let message = details.message.filter(|m| !m.trim().is_empty());
    (words.is_some() || message.is_some()).then(|| {
        let words = words.map(|w| {
            view! {
                <p>
                    <strong>{w.title}</strong>
                    ": "
                    {w.what}
                </p>
                <p>
                    <strong>"What to do: "</strong>
                    {w.next}
                </p>
            }
        });
        let message = message.map(|m| view! { <p class="note">{format!("ROOK's message: {m}")}</p> });
        view! {
            <section class="why" aria-label="Why">
                {words}
                {message}
            </section>
        }
    })
}

/// What a `data_webhook.rejected` notification says your Data Webhook did, in sentences: which
/// document, what it answered, whether ROOK tries again.
#[component]
fn RejectionWords(details: Details) -> impl IntoView {
    let document = match (details.pillar, details.data_type) {
        (Some(pillar), Some(data_type)) => format!("a {} {}", pillar.as_str(), data_type.as_str()),
        _ => "a document".to_owned(),
    };
    let document = match &details.document_id {
        Some(id) => format!("{document} (document {id})"),
        None => document,
    };
    let answer = match (details.response_status, details.error_kind) {
        (Some(status), _) => format!("answered HTTP {status}"),
        (None, Some(kind)) => format!("could not be reached: {}", error_kind_words(kind)),
        (None, None) => "did not accept it".to_owned(),
    };
    let attempt = details.attempt_number.map(|n| format!(" on attempt {n}")).unwrap_or_default();
    let next = match (details.will_retry, details.next_attempt_at) {
        (Some(true), Some(at)) => view! { "ROOK will try again " <TimeLabel at /> "." }.into_any(),
        (Some(true), None) => view! { "ROOK will try again." }.into_any(),
        _ => {
            view! { "ROOK will not try again on its own: resend it below once your Data Webhook is fixed." }.into_any()
        }
    };
    let excerpt = details.response_excerpt.filter(|e| !e.is_empty()).map(|excerpt| {
        view! {
            <p class="label">"Its answer began:"</p>
            <pre class="body-excerpt">{excerpt}</pre>
        }
    });
    view! {
        <section class="why" aria-labelledby="rejection-heading">
            <h3 id="rejection-heading">"What your Data Webhook rejected"</h3>
            <p>{format!("Your Data Webhook {answer}{attempt} when ROOK sent it {document}.")}</p>
            <p>{next}</p>
            {excerpt}
        </section>
    }
}
