//! `/clients/:client_uuid/attention`: what failed, per environment, and "Resend all failed since …".

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{FailedInEnvironment, ResendFailedSince, ResendRejectedDataSince, failed_notifications, receipt_keys};
use crate::components::attempt::last_attempt_outcome;
use crate::components::client_nav::{ClientNav, ClientTab, use_client_uuid};
use crate::components::data_table::DataTable;
use crate::components::facts::or_absent;
use crate::components::filters::with_query;
use crate::components::form_fields::EnvironmentFields;
use crate::components::loaded::Loaded;
use crate::components::notice::{ERROR_KEY, FormNotice, error_message};
use crate::components::notification_table::{NotificationTable, notification_href};
use crate::components::state_badge::ResendNeedsSubscription;
use crate::components::time_label::TimeLabel;
use crate::dto::{BulkResend, BulkResendReceipt, DataDeliverySummary};
use crate::error::AppError;
use crate::i18n::words::{attention as w, notification, parts, vocab};
use crate::i18n::{Lang, Noun, use_lang};
use crate::pages::notifications::rejected_data::document_words;
use crate::vocab::{DataDeliveryStatus, Environment, NotificationStatus, SubscriptionState};

/// The needs-attention page.
#[component]
pub fn AttentionPage() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let resend = ServerAction::<ResendFailedSince>::new();
    let resend_data = ServerAction::<ResendRejectedDataSince>::new();
    let client_uuid = use_client_uuid();
    let data = Resource::new(
        move || (client_uuid(), resend.version().get(), resend_data.version().get()),
        |(uuid, _, _)| failed_notifications(uuid),
    );
    let error = Signal::derive(move || match (resend.value().get(), resend_data.value().get()) {
        (Some(Err(err)), _) | (_, Some(Err(err))) => Some(lang.error(&err)),
        (Some(Ok(_)), _) | (_, Some(Ok(_))) => None,
        (None, None) => query.read().get(ERROR_KEY).and_then(|code| error_message(lang, &code)),
    });
    let success = Signal::derive(move || {
        let receipt = |run: Option<Result<BulkResendReceipt, AppError>>, what: BulkResend| match run {
            Some(run) => run.ok(),
            None => {
                let query = query.read();
                let count = |key: &str| query.get(key).and_then(|v| v.parse::<u64>().ok());
                let (queued, remaining) = receipt_keys(what);
                count(queued).zip(count(remaining)).map(|(queued, remaining)| BulkResendReceipt { queued, remaining })
            }
        };
        let failed = receipt(resend.value().get(), BulkResend::FailedNotifications);
        let data = receipt(resend_data.value().get(), BulkResend::RejectedData);
        failed
            .map(|r| receipt_words(lang, &r, w::FAILED_NOTIFICATION))
            .or_else(|| data.map(|r| receipt_words(lang, &r, w::REJECTED_DELIVERY)))
    });

    view! {
        <Loaded content=move || async move {
            let data = data.await?;
            let client_uuid = data.client_uuid.clone();
            let default_since = data.default_since.clone();
            let sections = data
                .environments
                .into_iter()
                .map(|env| {
                    view! {
                        <FailedSection
                            client_uuid=client_uuid.clone()
                            env
                            default_since=default_since.clone()
                            resend
                            resend_data
                        />
                    }
                })
                .collect_view();
            Ok(view! {
                <ClientNav client_uuid=data.client_uuid.clone() name=data.client_name current=ClientTab::Attention />
                <p class="lead">
                    {lang.t(w::LEAD_1)}
                    {lang.t(w::LEAD_2)}
                    {lang.t(w::LEAD_3)}
                </p>
                <FormNotice error success />
                {sections}
            })
        } />
    }
}

/// "Queued 3 failed notifications for an immediate attempt; none remain." (`what`: the noun for one
/// and for several).
fn receipt_words(lang: Lang, receipt: &BulkResendReceipt, noun: Noun) -> String {
    let remaining = match receipt.remaining {
        0 => lang.t(w::NONE_REMAIN).to_owned(),
        1 => lang.t(w::ONE_REMAINS).to_owned(),
        n => w::remain(lang, n),
    };
    w::queued(lang, &lang.count_of(receipt.queued, noun), &remaining)
}

/// How many a list shows, in words: "3", or "more than 20" when it was cut.
fn listed_count(lang: Lang, listed: usize, more: bool) -> String {
    if more { w::more_than(lang, listed) } else { listed.to_string() }
}

/// A bulk resend behind a confirmation: `opener` opens the form, which says what it will do.
#[component]
fn ConfirmBulkResend(opener: String, consequence: String, children: Children) -> impl IntoView {
    view! {
        <details class="confirm-bulk">
            <summary>{opener}</summary>
            <div class="confirm-panel">
                <p>{consequence}</p>
                {children()}
            </div>
        </details>
    }
}

/// One environment: its failed notifications and the bulk resend.
#[component]
fn FailedSection(
    client_uuid: String,
    env: FailedInEnvironment,
    default_since: String,
    resend: ServerAction<ResendFailedSince>,
    resend_data: ServerAction<ResendRejectedDataSince>,
) -> impl IntoView {
    let lang = use_lang();
    let label = lang.t(vocab::environment(env.environment));
    let key = env.environment.as_str();
    let heading_id = format!("failed-{key}");
    let labelled_by = heading_id.clone();
    let all_failed = with_query(
        &ClientTab::Notifications.href(&client_uuid),
        &[("environment", key.to_owned()), ("status", NotificationStatus::Failed.as_str().to_owned())],
    );
    let rejected = view! {
        <RejectedDataList
            client_uuid=client_uuid.clone()
            environment=env.environment
            rows=env.rejected_data
            more=env.more_rejected_data
            default_since=default_since.clone()
            resend=resend_data
        />
    };
    let subscribed = env.subscription.state == SubscriptionState::Active;
    let resend_form = if env.failed.is_empty() {
        // Nothing to resend: no button that would queue nothing.
        ().into_any()
    } else if subscribed {
        let consequence = w::failed_consequence(lang, label, &listed_count(lang, env.failed.len(), env.more));
        view! {
            <ConfirmBulkResend opener=w::resend_all_failed(lang, label) consequence>
                <ActionForm action=resend attr:class="inline-form">
                    <ResendSinceFields
                        client_uuid=client_uuid.clone()
                        environment=env.environment
                        id=format!("since-{key}")
                        label=lang.t(w::RESEND_SINCE)
                        default_since
                        button=lang.t(w::YES_RESEND).to_owned()
                        pending=resend.pending()
                    />
                </ActionForm>
            </ConfirmBulkResend>
        }
        .into_any()
    } else {
        view! { <ResendNeedsSubscription state=env.subscription.state reason=env.subscription.disabled_reason /> }
            .into_any()
    };
    let listing = if env.failed.is_empty() {
        view! { <p class="empty">{lang.t(w::NOTHING_FAILED)}</p> }.into_any()
    } else {
        let rows = env.failed;
        let more = env.more.then(|| {
            view! {
                <p>
                    <a href=all_failed.clone()>{w::all_failed(lang, label)}</a>
                </p>
            }
        });
        view! {
            <NotificationTable rows=move || rows.clone() />
            {more}
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby=labelled_by>
            <h2 id=heading_id>{label}</h2>
            <h3>{lang.t(w::FAILED_NOTIFICATIONS)}</h3>
            {resend_form}
            {listing}
            {rejected}
        </section>
    }
}

/// The fields of a "Resend all … since" form: the environment, the day to resend from and the button.
#[component]
fn ResendSinceFields(
    client_uuid: String,
    environment: Environment,
    /// The date field's id.
    id: String,
    label: &'static str,
    default_since: String,
    button: String,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <EnvironmentFields client_uuid environment />
        <label for=id.clone()>{label}</label>
        <input id=id type="date" name="since" value=default_since required />
        <button type="submit" disabled=move || pending.get()>
            {button}
        </button>
    }
}

/// One environment's rejected data deliveries, with "Resend all rejected data since …".
#[component]
fn RejectedDataList(
    client_uuid: String,
    environment: Environment,
    rows: Vec<DataDeliverySummary>,
    more: bool,
    default_since: String,
    resend: ServerAction<ResendRejectedDataSince>,
) -> impl IntoView {
    let lang = use_lang();
    let label = lang.t(vocab::environment(environment));
    let row = move |d: DataDeliverySummary| {
        let error = last_attempt_outcome(lang, &d.progress).unwrap_or_else(|| "—".to_owned());
        let state = lang.t(if d.status == DataDeliveryStatus::Retrying { w::REJECTED_RETRYING } else { w::REJECTED });
        let document = document_words(lang, &d);
        let notice = d
            .rejected_notification_id
            .map(|id| view! { <a href=notification_href(&id)>{lang.t(w::REJECTION_NOTICE)}</a> });
        view! {
            <tr>
                <td>
                    <TimeLabel at=d.created_at />
                </td>
                <td>{d.user_id}</td>
                <td>{document}</td>
                <td>{or_absent(d.document_id)}</td>
                <td>{state}</td>
                <td>{d.progress.attempt_count}</td>
                <td>{error}</td>
                <td>{notice}</td>
            </tr>
        }
    };
    let listed = !rows.is_empty();
    let consequence = w::data_consequence(lang, label, &listed_count(lang, rows.len(), more));
    let form = listed.then(|| {
        view! {
            <ConfirmBulkResend opener=w::resend_rejected(lang, label) consequence>
                <ActionForm action=resend attr:class="inline-form">
                    <ResendSinceFields
                        client_uuid
                        environment
                        id=format!("data-since-{}", environment.as_str())
                        label=lang.t(w::RESEND_DATA_SINCE)
                        default_since
                        button=lang.t(w::YES_RESEND_DATA).to_owned()
                        pending=resend.pending()
                    />
                </ActionForm>
            </ConfirmBulkResend>
        }
    });
    view! {
        <h3>{lang.t(w::REJECTED_DELIVERIES)}</h3>
        {form}
        <DataTable
            class="data-table"
            caption_shown=true
            caption=w::rejected_caption(lang, label)
            columns=&[
                notification::HANDED_OVER,
                w::COL_USER,
                notification::DOCUMENT,
                notification::DOCUMENT_ID,
                parts::F_STATUS,
                parts::T_ATTEMPTS,
                w::COL_LAST_ERROR,
                w::COL_NOTICE,
            ]
            items=rows
            row
            empty=lang.t(w::NO_REJECTED)
        />
        {(listed && more).then(|| view! { <p class="note">{lang.t(w::ONLY_NEWEST)}</p> })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receipt_says_what_was_queued_and_what_remains() {
        assert_eq!(
            receipt_words(Lang::En, &BulkResendReceipt { queued: 3, remaining: 0 }, w::FAILED_NOTIFICATION),
            "Queued 3 failed notifications for an immediate attempt; none remain."
        );
        assert!(
            receipt_words(Lang::En, &BulkResendReceipt { queued: 10_000, remaining: 5 }, w::REJECTED_DELIVERY)
                .contains("5 remain")
        );
        assert_eq!(
            receipt_words(Lang::En, &BulkResendReceipt { queued: 1, remaining: 0 }, w::REJECTED_DELIVERY),
            "Queued 1 rejected data delivery for an immediate attempt; none remain."
        );
    }
}
