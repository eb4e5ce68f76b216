//! A client's overview: for Sandbox and Production, the subscription's state (with a way to re-enable
//! a disabled endpoint), the URLs, the last day's notifications by status and last week's charts.

use crate::components::plural::count_of;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{ReenableEndpoint, client_dashboard};
use crate::components::alert_list::AlertList;
use crate::components::chart::DeliveryCharts;
use crate::components::client_nav::{ClientNav, ClientTab, use_client_uuid};
use crate::components::figures::Figures;
use crate::components::filters::{filter_pairs, with_query};
use crate::components::form_fields::EnvironmentFields;
use crate::components::loaded::Loaded;
use crate::components::notice::{ERROR_KEY, FormNotice, error_message};
use crate::components::notification_status::status_words;
use crate::components::subscription_facts::SubscriptionFacts;
use crate::components::time_label::TimeLabel;
use crate::dto::{EnvironmentHealth, NotificationQuery};
use crate::query::TimeBound;
use crate::vocab::{Environment, SubscriptionState};

/// `/clients/:client_uuid`.
#[component]
pub fn ClientOverviewPage() -> impl IntoView {
    let query = use_query_map();
    let reenable = ServerAction::<ReenableEndpoint>::new();
    let client_uuid = use_client_uuid();
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
        <Loaded content=move || async move {
            let dashboard = dashboard.await?;
            let environments = dashboard
                .environments
                .into_iter()
                .map(|health| {
                    view! { <EnvironmentHealthPanel client_uuid=dashboard.client_uuid.clone() health reenable /> }
                })
                .collect_view();
            Ok(view! {
                <ClientNav client_uuid=dashboard.client_uuid.clone() name=dashboard.name current=ClientTab::Overview />
                <FormNotice error success />
                <div class="environment-panels">{environments}</div>
                <section class="panel" aria-labelledby="alerts-heading">
                    <h2 id="alerts-heading">"Recent alerts"</h2>
                    <AlertList alerts=dashboard.alerts />
                </section>
            })
        } />
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
    let feed = ClientTab::Notifications.href(&client_uuid);
    let heading_id = format!("environment-{}", env.environment.as_str());
    let labelled_by = heading_id.clone();
    let disabled = env.subscription.state == SubscriptionState::Disabled;
    let reenable_form = disabled.then(|| {
        view! {
            <ActionForm action=reenable attr:class="inline">
                <EnvironmentFields client_uuid environment=env.environment />
                <button type="submit" disabled=move || reenable.pending().get()>
                    {format!("Re-enable {label}")}
                </button>
            </ActionForm>
            <p class="note">"Re-enabling sends the notifications held while the endpoint was disabled."</p>
        }
    });
    let failing = env.failing_since.map(|since| {
        let last_success = match env.last_success_at {
            Some(at) => view! { "last success " <TimeLabel at /> }.into_any(),
            None => "no success recorded".into_any(),
        };
        view! {
            <p class="warning">
                "Failing since " <TimeLabel at=since />
                {format!(
                    ": {}, ",
                    count_of(u64::from(env.consecutive_failures), "failed attempt", "failed attempts in a row")
                )}
                {last_success}
                "."
            </p>
        }
    });
    // Each count opens the feed with the same filters; an environment with nothing recorded and
    // nothing attempted says so in a sentence rather than in grids of zeros.
    let links = health
        .counts_24h
        .iter()
        .map(|c| {
            let query = NotificationQuery {
                environment: Some(env.environment),
                status: Some(c.status),
                since: Some(TimeBound::At(health.counts_since)),
                ..NotificationQuery::default()
            };
            with_query(&feed, &filter_pairs(&query))
        })
        .collect();
    let quiet =
        health.counts_24h.iter().all(|c| c.count == 0) && health.hourly.iter().all(|h| h.succeeded + h.failed == 0);
    let counts = health.counts_24h.into_iter().map(|c| (status_words(c.status), c.count.to_string())).collect();
    let activity = if quiet {
        let why = if env.subscription.state == SubscriptionState::Inactive {
            " It is not subscribed: nothing is sent to it."
        } else {
            ""
        };
        view! {
            <p class="empty">
                {format!("{label}: no notifications in the last 24 hours and no deliveries in the last 7 days.{why}")}
            </p>
        }
        .into_any()
    } else {
        view! {
            <h3>"Notifications in the last 24 hours"</h3>
            <Figures class="counts" items=counts links />
            <h3>"Deliveries in the last 7 days"</h3>
            <DeliveryCharts label hourly=health.hourly />
        }
        .into_any()
    };

    view! {
        <section class="panel environment-panel" aria-labelledby=labelled_by>
            <h2 id=heading_id>{label}</h2>
            <SubscriptionFacts env>
                {reenable_form}
                {failing}
            </SubscriptionFacts>
            {activity}
        </section>
    }
}
