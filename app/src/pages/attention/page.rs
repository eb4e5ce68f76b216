//! `/clients/:client_uuid/attention`: what failed, per environment, and "Resend all failed since …".

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{FailedInEnvironment, ResendFailedSince, ResendRejectedDataSince, failed_notifications};
use crate::components::client_nav::{ClientNav, ClientTab};
use crate::components::filters::with_query;
use crate::components::load_error::LoadError;
use crate::components::notice::{ERROR_KEY, FormNotice, error_message};
use crate::components::notification_table::NotificationTable;
use crate::components::state_badge::StateBadge;
use crate::dto::BulkResendReceipt;
use crate::vocab::{NotificationStatus, SubscriptionState};

/// The needs-attention page.
#[component]
pub fn AttentionPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let resend = ServerAction::<ResendFailedSince>::new();
    let resend_data = ServerAction::<ResendRejectedDataSince>::new();
    let client_uuid = move || params.read().get("client_uuid").unwrap_or_default();
    let data = Resource::new(
        move || (client_uuid(), resend.version().get(), resend_data.version().get()),
        |(uuid, _, _)| failed_notifications(uuid),
    );
    let error = Signal::derive(move || match (resend.value().get(), resend_data.value().get()) {
        (Some(Err(err)), _) | (_, Some(Err(err))) => Some(err.to_string()),
        (Some(Ok(_)), _) | (_, Some(Ok(_))) => None,
        (None, None) => query.read().get(ERROR_KEY).and_then(|code| error_message(&code)),
    });
    let success = Signal::derive(move || {
        let receipt = match resend.value().get() {
            Some(Ok(receipt)) => Some(receipt),
            Some(Err(_)) => None,
            None => {
                let query = query.read();
                let count = |key: &str| query.get(key).and_then(|v| v.parse::<u64>().ok());
                count("queued")
                    .zip(count("remaining"))
                    .map(|(queued, remaining)| BulkResendReceipt { queued, remaining })
            }
        };
        let data_receipt = match resend_data.value().get() {
            Some(Ok(receipt)) => Some(receipt),
            Some(Err(_)) => None,
            None => {
                let query = query.read();
                let count = |key: &str| query.get(key).and_then(|v| v.parse::<u64>().ok());
                count("data_queued")
                    .zip(count("data_remaining"))
                    .map(|(queued, remaining)| BulkResendReceipt { queued, remaining })
            }
        };
        receipt
            .map(|r| receipt_words(&r, "failed notifications"))
            .or_else(|| data_receipt.map(|r| receipt_words(&r, "rejected data deliveries")))
    });

    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => {
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
                        view! {
                            <ClientNav
                                client_uuid=data.client_uuid.clone()
                                name=data.client_name
                                current=ClientTab::Attention
                            />
                            <p class="lead">
                                "Notifications whose retries are exhausted, and Data Webhook deliveries your "
                                "receiver rejected for good. Resending queues an immediate new attempt; the "
                                "history stays."
                            </p>
                            <FormNotice error success />
                            {sections}
                        }
                            .into_any()
                    }
                    Err(err) => view! { <LoadError err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "Queued 3 failed notifications for an immediate attempt; none remain."
fn receipt_words(receipt: &BulkResendReceipt, what: &str) -> String {
    let remaining = match receipt.remaining {
        0 => "none remain".to_owned(),
        n => format!("{n} remain: resend again to queue them"),
    };
    format!("Queued {} {what} for an immediate attempt; {remaining}.", receipt.queued)
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
    let label = env.environment.label();
    let key = env.environment.as_str();
    let heading_id = format!("failed-{key}");
    let labelled_by = heading_id.clone();
    let since_id = format!("since-{key}");
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
    let resend_form = if subscribed {
        view! {
            <ActionForm action=resend attr:class="inline-form">
                <input type="hidden" name="client_uuid" value=client_uuid.clone() />
                <input type="hidden" name="environment" value=key />
                <label for=since_id.clone()>"Resend all failed since"</label>
                <input id=since_id type="date" name="since" value=default_since required />
                <button type="submit" disabled=move || resend.pending().get()>
                    {format!("Resend all failed in {label}")}
                </button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <p class="note">
                "Resending needs an active subscription. This one is "
                <StateBadge state=env.subscription.state reason=env.subscription.disabled_reason />
                "."
            </p>
        }
        .into_any()
    };
    let listing = if env.failed.is_empty() {
        view! { <p class="empty">"Nothing failed."</p> }.into_any()
    } else {
        let rows = env.failed;
        let more = env.more.then(|| {
            view! {
                <p>
                    <a href=all_failed.clone()>{format!("All failed {label} notifications")}</a>
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
            <h3>"Failed notifications"</h3>
            {resend_form}
            {listing}
            {rejected}
        </section>
    }
}

/// One environment's rejected data deliveries, with "Resend all rejected data since …".
#[component]
fn RejectedDataList(
    client_uuid: String,
    environment: crate::vocab::Environment,
    rows: Vec<crate::dto::DataDeliverySummary>,
    more: bool,
    default_since: String,
    resend: ServerAction<ResendRejectedDataSince>,
) -> impl IntoView {
    let label = environment.label();
    let key = environment.as_str();
    let since_id = format!("data-since-{key}");
    let table = if rows.is_empty() {
        view! { <p class="empty">"No rejected data deliveries."</p> }.into_any()
    } else {
        let body = rows
            .into_iter()
            .map(|d| {
                let error = d.last_error_kind.map_or("—", crate::components::attempt::error_kind_words);
                let notice = d.rejected_notification_id.clone().map(|id| {
                    let href = crate::components::notification_table::notification_href(&id);
                    view! { <a href=href>"Rejection notice"</a> }
                });
                view! {
                    <tr>
                        <td>{d.created_at.to_display()}</td>
                        <td>{d.user_id.clone()}</td>
                        <td>{format!("{} {}", d.pillar.as_str(), d.data_type.as_str())}</td>
                        <td>{d.document_id.clone().unwrap_or_else(|| "—".to_owned())}</td>
                        <td>{d.attempt_count}</td>
                        <td>{error}</td>
                        <td>{notice}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="data-table">
                <caption>{format!("Rejected data deliveries in {label}, newest first")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Handed over"</th>
                        <th scope="col">"User"</th>
                        <th scope="col">"Document"</th>
                        <th scope="col">"Document id"</th>
                        <th scope="col">"Attempts"</th>
                        <th scope="col">"Last error"</th>
                        <th scope="col">"Notice"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
            {more.then(|| view! { <p class="note">"Only the newest are listed."</p> })}
        }
        .into_any()
    };
    view! {
        <h3>"Rejected data deliveries"</h3>
        <ActionForm action=resend attr:class="inline-form">
            <input type="hidden" name="client_uuid" value=client_uuid />
            <input type="hidden" name="environment" value=key />
            <label for=since_id.clone()>"Resend all rejected data since"</label>
            <input id=since_id type="date" name="since" value=default_since required />
            <button type="submit" disabled=move || resend.pending().get()>
                {format!("Resend rejected data in {label}")}
            </button>
        </ActionForm>
        {table}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receipt_says_what_was_queued_and_what_remains() {
        assert_eq!(
            receipt_words(&BulkResendReceipt { queued: 3, remaining: 0 }, "failed notifications"),
            "Queued 3 failed notifications for an immediate attempt; none remain."
        );
        assert!(
            receipt_words(&BulkResendReceipt { queued: 10_000, remaining: 5 }, "rejected data deliveries")
                .contains("5 remain")
        );
    }
}
