//! `/notifications/:id`: one notification — its facts, payload and every delivery attempt — with
//! **Resend** and "Copy as curl".

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::curl::curl_command;
use super::rejected_data::{RejectedData, ResendRejectedData};
use super::{NotificationData, ResendNotification, notification_page};
use crate::components::attempt::AttemptCard;
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
use crate::i18n::words::{notification as w, parts, vocab};
use crate::i18n::{Lang, use_lang};
use crate::payload::{Details, NotificationPayload};
use crate::reasons::reason_words;
use crate::vocab::{NotificationStatus, NotificationType, SubscriptionState};

/// How many seconds the page keeps looking for the attempt a resend queued.
const RESEND_WAIT_SECS: u32 = 20;

/// The notification page.
#[component]
pub fn NotificationPage() -> impl IntoView {
    let lang = use_lang();
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
        Some(Err(err)) => Some(lang.error(&err)),
        _ => None,
    });
    let data_success = Signal::derive(move || match resend_data.value().get() {
        Some(Ok(_)) => Some(lang.t(w::RESEND_DATA_QUEUED).to_owned()),
        _ => query.read().get("data_resent").map(|_| lang.t(w::RESEND_DATA_RELOAD).to_owned()),
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
        Some((attempts.len() > before).then(|| attempts.last().map(|a| resend_result(lang, a))).flatten())
    });
    let error = Signal::derive(move || match resend.value().get() {
        Some(Err(err)) => Some(lang.error(&err)),
        Some(Ok(_)) => resent.get().flatten().and_then(Result::err),
        None => query.read().get(ERROR_KEY).and_then(|code| error_message(lang, &code)),
    });
    let success = Signal::derive(move || match (resent.get(), resend.value().get()) {
        (Some(Some(result)), Some(Ok(_))) => result.ok(),
        (Some(None), Some(Ok(_))) => Some(lang.t(w::RESEND_WAITING).to_owned()),
        _ => query.read().get("resent").map(|_| lang.t(w::RESEND_RELOAD).to_owned()),
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
fn resend_result(lang: Lang, attempt: &AttemptView) -> Result<String, String> {
    let status = attempt.response_status.map(|s| format!("HTTP {s}"));
    if attempt.succeeded {
        let status = status.map(|s| format!(" ({s})")).unwrap_or_default();
        return Ok(w::resent_ok(lang, &status));
    }
    let why = status.or_else(|| attempt.error_kind.map(|k| lang.t(vocab::error_kind_words(k)).to_owned()));
    let why = why.unwrap_or_else(|| lang.t(w::NO_ANSWER).to_owned());
    Err(w::resent_failed(lang, &why))
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
    let lang = use_lang();
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
                    {lang.t(w::CURL_NOTE_1)}
                    {lang.t(w::CURL_NOTE_2)}
                </p>
                <pre id="curl-command">{command.clone()}</pre>
                <CopyButton label=lang.t(w::COPY_CURL) text=command />
            }
            .into_any()
        }
        _ => view! { <p class="empty">{lang.t(w::NO_REQUEST)}</p> }.into_any(),
    };
    let payload_view = match body.as_deref().map(pretty_json) {
        Some(text) => view! { <pre class="payload">{text}</pre> }.into_any(),
        None => view! { <p class="empty">{lang.t(w::PAYLOAD_PURGED)}</p> }.into_any(),
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
        .map(|at| view! { {lang.t(w::NEXT_ATTEMPT)} <TimeLabel at /> });
    let delivered = summary.progress.delivered_at.map(|at| view! { {lang.t(w::DELIVERED_AT)} <TimeLabel at /> });
    let attempt_count = attempts.len();
    let attempts_view = if attempts.is_empty() {
        view! { <p class="empty">{lang.t(w::NO_ATTEMPT)}</p> }.into_any()
    } else {
        attempts.into_iter().rev().map(|attempt| view! { <AttemptCard attempt /> }).collect_view().into_any()
    };
    let id = summary.id.clone();
    let attempts_heading =
        w::attempts_heading(lang, attempt_count, summary.kind == NotificationType::DataWebhookRejected);

    // The first screen holds what a developer comes for: the status, why, and the attempts; the
    // record's facts, the payload and the curl command follow.
    view! {
        <ClientNav client_uuid=summary.client_uuid.clone() name=client_name />
        <p>
            <a href=feed>{lang.t(w::ALL_NOTIFICATIONS)}</a>
        </p>
        <h2>{w::heading(lang, summary.kind.as_str())}</h2>
        <p class="status-line">
            <StatusBadge status=summary.status />
            {summary.test.then_some(lang.t(w::TEST_NOTIFICATION))}
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
                {lang.t(w::RESEND)}
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
            <h3 id="facts-heading">{lang.t(w::DETAILS)}</h3>
            <dl class="facts">
                <IdFact term=lang.t(w::ID_WEBHOOK) id=summary.id.clone() />
                <dt>{lang.t(parts::F_CATEGORY)}</dt>
                <dd>{lang.t(vocab::category(summary.category))}</dd>
                <dt>{lang.t(parts::F_ENVIRONMENT)}</dt>
                <dd>{lang.t(vocab::environment(summary.environment))}</dd>
                <Fact term=lang.t(parts::F_USER) value=summary.user_id />
                <Fact term=lang.t(parts::F_SOURCE) value=summary.data_source />
                <TimeFact term=lang.t(w::HAPPENED) at=summary.datetime />
                <TimeFact term=lang.t(parts::T_RECORDED) at=summary.created_at />
            </dl>
        </section>
        <section aria-labelledby="payload-heading">
            <h3 id="payload-heading">{lang.t(w::PAYLOAD)}</h3>
            {payload_view}
        </section>
        <section aria-labelledby="curl-heading">
            <h3 id="curl-heading">{lang.t(w::COPY_AS_CURL)}</h3>
            {curl}
        </section>
    }
}

/// Why an extraction failed, from the table of reasons, with ROOK's own message when it sent one.
#[component]
fn ReasonBlock(details: Details, data_source: Option<String>) -> impl IntoView {
    let lang = use_lang();
    let words = details.reason.map(|reason| reason_words(lang, reason, data_source.as_deref()));
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
                    <strong>{lang.t(w::WHAT_TO_DO)}</strong>
                    {w.next}
                </p>
            }
        });
        let message = message.map(|m| view! { <p class="note">{w::rook_message(lang, &m)}</p> });
        view! {
            <section class="why" aria-label=lang.t(w::WHY)>
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
    let lang = use_lang();
    let document = match (details.pillar, details.data_type) {
        (Some(pillar), Some(data_type)) => w::a_document(lang, pillar, data_type),
        _ => lang.t(w::A_DOCUMENT).to_owned(),
    };
    let document = match &details.document_id {
        Some(id) => w::document_with_id(lang, &document, id),
        None => document,
    };
    let answer = match (details.response_status, details.error_kind) {
        (Some(status), _) => w::answered(lang, status),
        (None, Some(kind)) => w::unreachable(lang, lang.t(vocab::error_kind_words(kind))),
        (None, None) => lang.t(w::DID_NOT_ACCEPT).to_owned(),
    };
    let attempt = details.attempt_number.map(|n| w::on_attempt(lang, n)).unwrap_or_default();
    let next = match (details.will_retry, details.next_attempt_at) {
        (Some(true), Some(at)) => view! { {lang.t(w::WILL_RETRY_AT)} <TimeLabel at /> "." }.into_any(),
        (Some(true), None) => lang.t(w::WILL_RETRY).into_any(),
        _ => lang.t(w::WILL_NOT_RETRY).into_any(),
    };
    let excerpt = details.response_excerpt.filter(|e| !e.is_empty()).map(|excerpt| {
        view! {
            <p class="label">{lang.t(w::ANSWER_BEGAN)}</p>
            <pre class="body-excerpt">{excerpt}</pre>
        }
    });
    view! {
        <section class="why" aria-labelledby="rejection-heading">
            <h3 id="rejection-heading">{lang.t(w::REJECTED_HEADING)}</h3>
            <p>{w::rejection(lang, &answer, &attempt, &document)}</p>
            <p>{next}</p>
            {excerpt}
        </section>
    }
}
