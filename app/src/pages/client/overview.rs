//! A client's overview: for Sandbox and Production, the subscription's state (with a way to re-enable
//! a disabled endpoint), the URLs, the last day's notifications by status and last week's charts.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{ReenableEndpoint, client_dashboard};
use crate::components::alert_list::AlertList;
use crate::components::chart::DeliveryCharts;
use crate::components::client_nav::{ClientNav, ClientTab};
use crate::components::load_error::LoadError;
use crate::components::notice::{ERROR_KEY, FormNotice, error_message};
use crate::components::notification_status::status_words;
use crate::components::state_badge::StateBadge;
use crate::components::time_label::TimeLabel;
use crate::dto::EnvironmentHealth;
use crate::vocab::{Environment, SubscriptionState};

/// `/clients/:client_uuid`.
#[component]
pub fn ClientOverviewPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let reenable = ServerAction::<ReenableEndpoint>::new();
    let client_uuid = move || params.read().get("client_uuid").unwrap_or_default();
    let dashboard =
        Resource::new(move || (client_uuid(), reenable.version().get()), |(uuid, _)| client_dashboard(uuid));
    let error = Signal::derive(move || match reenable.value().get() {
        Some(Err(err)) => Some(err.to_string()),
        Some(Ok(_)) => None,
        None => query.read().get(ERROR_KEY).and_then(|code| error_message(&code)),
    });
    let success = Signal::derive(move || {
        let environment = match reenable.value().get() {
            Some(Ok(environment)) => Some(environment),
            Some(Err(_)) => None,
            None => query.read().get("reenabled").and_then(|e| e.parse::<Environment>().ok()),
        };
        environment.map(|e| format!("{} re-enabled: held notifications are being sent.", e.label()))
    });

    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(dashboard) => {
                        let client_uuid = dashboard.client_uuid.clone();
                        let alerts = dashboard.alerts;
                        let environments = dashboard
                            .environments
                            .into_iter()
                            .map(|health| {
                                view! { <EnvironmentHealthPanel client_uuid=client_uuid.clone() health reenable /> }
                            })
                            .collect_view();
                        view! {
                            <ClientNav
                                client_uuid=dashboard.client_uuid.clone()
                                name=dashboard.name
                                current=ClientTab::Overview
                            />
                            <FormNotice error success />
                            <div class="environment-panels">{environments}</div>
                            <section class="panel" aria-labelledby="alerts-heading">
                                <h2 id="alerts-heading">"Recent alerts"</h2>
                                <AlertList alerts />
                            </section>
                        }
                            .into_any()
                    }
                    Err(err) => view! { <LoadError err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One environment: state, URLs, the last day's counts and last week's charts.
#[component]
fn EnvironmentHealthPanel(
    client_uuid: String,
    health: EnvironmentHealth,
    reenable: ServerAction<ReenableEndpoint>,
) -> impl IntoView {
    let env = health.environment;
    let label = env.environment.label();
    let heading_id = format!("environment-{}", env.environment.as_str());
    let labelled_by = heading_id.clone();
    let subscription = env.subscription;
    let disabled = subscription.state == SubscriptionState::Disabled;
    let reenable_form = disabled.then(|| {
        view! {
            <ActionForm action=reenable attr:class="inline">
                <input type="hidden" name="client_uuid" value=client_uuid.clone() />
                <input type="hidden" name="environment" value=env.environment.as_str() />
                <button type="submit" disabled=move || reenable.pending().get()>
                    {format!("Re-enable {label}")}
                </button>
            </ActionForm>
            <p class="note">"Re-enabling sends the notifications held while the endpoint was disabled."</p>
        }
    });
    let failing = health.failing_since.map(|since| {
        let last_success = health
            .last_success_at
            .map_or("no success recorded".to_owned(), |at| format!("last success {}", at.to_display()));
        view! {
            <p class="warning">
                "Failing since " <TimeLabel at=since />
                {format!(": {} failed attempts in a row, {last_success}.", health.consecutive_failures)}
            </p>
        }
    });
    let not_subscribed = (subscription.state == SubscriptionState::Inactive).then(|| {
        view! {
            <p class="note">
                "Not subscribed. The Notification Webhook is sold by ROOK staff: contact your ROOK account manager or "
                <a href="mailto:support@tryrook.io">"support@tryrook.io"</a> "."
            </p>
        }
    });
    let counts = health
        .counts_24h
        .into_iter()
        .map(|c| {
            view! {
                <div>
                    <dt>{status_words(c.status)}</dt>
                    <dd>{c.count}</dd>
                </div>
            }
        })
        .collect_view();

    view! {
        <section class="panel environment-panel" aria-labelledby=labelled_by>
            <h2 id=heading_id>{label}</h2>
            <p>
                "Notification Webhook: " <StateBadge state=subscription.state reason=subscription.disabled_reason />
                " since " <TimeLabel at=subscription.since />
            </p>
            {reenable_form}
            {failing}
            {not_subscribed}
            <dl class="facts">
                <dt>"Notification Webhook URL"</dt>
                <dd>{env.notification_webhook_url.unwrap_or_else(|| "not set".to_owned())}</dd>
                <dt>"Data Webhook URL"</dt>
                <dd>{env.data_webhook_url.unwrap_or_else(|| "not set".to_owned())}</dd>
            </dl>
            <h3>"Notifications in the last 24 hours"</h3>
            <dl class="counts">{counts}</dl>
            <h3>"Deliveries in the last 7 days"</h3>
            <DeliveryCharts label hourly=health.hourly />
        </section>
    }
}
