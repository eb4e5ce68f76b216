//! A client's overview: for Sandbox and Production, the subscription's state (with a way to re-enable
//! a disabled endpoint), the URLs, the last day's notifications by status and last week's charts.

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
use crate::components::subscription_facts::SubscriptionFacts;
use crate::components::time_label::TimeLabel;
use crate::dto::{EnvironmentHealth, NotificationQuery};
use crate::i18n::use_lang;
use crate::i18n::words::{overview as w, parts, vocab};
use crate::query::TimeBound;
use crate::vocab::{Environment, SubscriptionState};

/// `/clients/:client_uuid`.
#[component]
pub fn ClientOverviewPage() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let reenable = ServerAction::<ReenableEndpoint>::new();
    let client_uuid = use_client_uuid();
    let dashboard =
        Resource::new(move || (client_uuid(), reenable.version().get()), |(uuid, _)| client_dashboard(uuid));
    let error = Signal::derive(move || match reenable.value().get() {
        Some(Err(err)) => Some(lang.error(&err)),
        Some(Ok(_)) => None,
        None => query.read().get(ERROR_KEY).and_then(|code| error_message(lang, &code)),
    });
    let success = Signal::derive(move || {
        let environment = match reenable.value().get() {
            Some(Ok(environment)) => Some(environment),
            Some(Err(_)) => None,
            None => query.read().get("reenabled").and_then(|e| e.parse::<Environment>().ok()),
        };
        environment.map(|e| w::reenabled(lang, lang.t(vocab::environment(e))))
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
                    <h2 id="alerts-heading">{lang.t(w::RECENT_ALERTS)}</h2>
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
    let lang = use_lang();
    let env = health.environment;
    let label = lang.t(vocab::environment(env.environment));
    let feed = ClientTab::Notifications.href(&client_uuid);
    let heading_id = format!("environment-{}", env.environment.as_str());
    let labelled_by = heading_id.clone();
    let disabled = env.subscription.state == SubscriptionState::Disabled;
    let reenable_form = disabled.then(|| {
        view! {
            <ActionForm action=reenable attr:class="inline">
                <EnvironmentFields client_uuid environment=env.environment />
                <button type="submit" disabled=move || reenable.pending().get()>
                    {w::reenable(lang, label)}
                </button>
            </ActionForm>
            <p class="note">{lang.t(w::REENABLE_NOTE)}</p>
        }
    });
    let failing = env.failing_since.map(|since| {
        let last_success = match env.last_success_at {
            Some(at) => view! { {lang.t(w::LAST_SUCCESS)} <TimeLabel at /> }.into_any(),
            None => lang.t(w::NO_SUCCESS).into_any(),
        };
        view! {
            <p class="warning">
                {lang.t(w::FAILING_SINCE)} <TimeLabel at=since />
                {format!(
                    ": {}, ",
                    lang.count_of(u64::from(env.consecutive_failures), parts::ATTEMPTS_IN_A_ROW)
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
    let counts =
        health.counts_24h.into_iter().map(|c| (lang.t(vocab::status(c.status)), c.count.to_string())).collect();
    let activity = if quiet {
        let why =
            if env.subscription.state == SubscriptionState::Inactive { lang.t(w::NOT_SUBSCRIBED_WHY) } else { "" };
        view! {
            <p class="empty">
                {w::quiet(lang, label, why)}
            </p>
        }
        .into_any()
    } else {
        view! {
            <h3>{lang.t(w::LAST_24H)}</h3>
            <Figures class="counts" items=counts links />
            <h3>{lang.t(w::LAST_7D)}</h3>
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
