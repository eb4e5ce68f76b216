//! Delivery health (staff): endpoints failing now, disabled endpoints with a one-click re-enable, the
//! queue, and the last day's throughput and error rate.

use leptos::prelude::*;

use crate::components::alert_list::AlertList;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::data_table::DataTable;
use crate::components::figures::Figures;
use crate::components::form_fields::EnvironmentFields;
use crate::components::hourly_chart::{AttemptTotals, HourlyChart};
use crate::components::loaded::Loaded;
use crate::components::state_badge::StateBadge;
use crate::components::time_label::{MaybeTime, TimeLabel, duration_words};
use crate::dto::{DeliveryHealth, EndpointHealth, HourlyStat};
use crate::pages::staff::clients::environment::{StaffReenable, reenable_form, reenable_notice};
use crate::pages::staff::clients::manage_path;
use crate::pages::staff::form_outcome::{FormOutcome, OutcomeNote, current_outcome, previous_for, previous_outcome};
use crate::vocab::Environment;

// The page's read is a plain action: its server function is written from the action list.
pub use crate::actions::{StaffDeliveryHealth, staff_delivery_health};

/// The page at `/staff/health`.
#[component]
pub fn HealthPage() -> impl IntoView {
    let reenable = ServerAction::<StaffReenable>::new();
    let health = Resource::new(move || reenable.version().get(), |_| staff_delivery_health());
    let previous = previous_outcome();

    view! {
        <Title text="Delivery health · rook-notify" />
        <h1>"Delivery health"</h1>
        <Loaded
            keep_shown=true
            content=move || async move {
                let previous = previous.await;
                let health = health.await?;
                Ok(view! { <HealthView health reenable previous /> })
            }
        />
    }
}

/// The page's sections, once loaded.
#[component]
fn HealthView(
    health: DeliveryHealth,
    reenable: ServerAction<StaffReenable>,
    previous: Option<FormOutcome>,
) -> impl IntoView {
    // One action serves every row: the note names the endpoint it re-enabled (or why it could not).
    let previous = Environment::ALL.iter().find_map(|env| previous_for(&previous, &reenable_form(*env)));
    let note = Signal::derive(move || current_outcome(reenable.value().get(), reenable_notice, previous.clone()));
    let DeliveryHealth { failing, disabled, queue_depth, oldest_due_age_secs, hourly, alerts } = health;
    let longest_wait = oldest_due_age_secs.map_or_else(|| "none due now".to_owned(), duration_words);
    view! {
        <section class="panel" aria-labelledby="queue-heading">
            <h2 id="queue-heading">"Queue"</h2>
            <Figures items=vec![
                ("Queued (due now or awaiting a retry)", queue_depth.to_string()),
                ("Longest wait of a due notification", longest_wait),
            ] />
        </section>
        <Throughput hourly />
        <section class="panel" aria-labelledby="failing-heading">
            <h2 id="failing-heading">"Failing now"</h2>
            <FailingTable endpoints=failing />
        </section>
        <section class="panel" aria-labelledby="disabled-heading">
            <h2 id="disabled-heading">"Disabled endpoints"</h2>
            <OutcomeNote outcome=note />
            <DisabledTable endpoints=disabled reenable />
        </section>
        <section class="panel" aria-labelledby="alerts-heading">
            <h2 id="alerts-heading">"Recent alerts"</h2>
            <AlertList alerts show_client=true />
        </section>
    }
}

/// The last 24 hours: the chart and its figures.
#[component]
fn Throughput(hourly: Vec<HourlyStat>) -> impl IntoView {
    let totals = AttemptTotals::of(&hourly);
    let rate = totals.error_rate_percent().map_or_else(|| "no attempts".to_owned(), |r| format!("{r:.1} %"));
    let span = match (hourly.first(), hourly.last()) {
        (Some(first), Some(last)) => format!("{} to {}", first.hour.to_display(), last.hour.to_display()),
        _ => String::new(),
    };
    let summary = format!(
        "Delivery attempts per hour over the last 24 hours: {} in all, {} delivered, {} failed.",
        totals.attempts(),
        totals.succeeded,
        totals.failed
    );
    view! {
        <section class="panel" aria-labelledby="throughput-heading">
            <h2 id="throughput-heading">"Last 24 hours"</h2>
            <Figures items=vec![
                ("Attempts", totals.attempts().to_string()),
                ("Delivered", totals.succeeded.to_string()),
                ("Failed", totals.failed.to_string()),
                ("Error rate", rate),
            ] />
            <figure class="chart">
                <HourlyChart hours=hourly label=summary />
                <figcaption>
                    "Attempts per hour, " {span} " (hour starts). "
                    <span class="legend legend-ok">"Delivered"</span>
                    " "
                    <span class="legend legend-failed">"Failed"</span>
                </figcaption>
            </figure>
        </section>
    }
}

/// The client, linked to its page, and the environment of an endpoint.
fn endpoint_cells(e: &EndpointHealth) -> impl IntoView + use<> {
    let (href, name) = (manage_path(&e.client_uuid), e.client_name.clone());
    let url = e.notification_webhook_url.clone().unwrap_or_else(|| "not set".to_owned());
    view! {
        <th scope="row">
            <A href>{name}</A>
        </th>
        <td>{e.environment.label()}</td>
        <td class="url">{url}</td>
    }
}

/// Active endpoints whose last attempts failed.
#[component]
fn FailingTable(endpoints: Vec<EndpointHealth>) -> impl IntoView {
    let row = |e: EndpointHealth| {
        view! {
            <tr>
                {endpoint_cells(&e)}
                <td>
                    <MaybeTime at=e.failing_since otherwise="—" />
                </td>
                <td class="number">{e.consecutive_failures}</td>
                <td>
                    <MaybeTime at=e.last_success_at otherwise="never" />
                </td>
            </tr>
        }
    };
    view! {
        <DataTable
            caption="Failing endpoints"
            columns=&["Client", "Environment", "URL", "Failing since", "Consecutive failures", "Last success"]
            items=endpoints
            row
            empty="No endpoint is failing."
        />
    }
}

/// Endpoints the engine disabled, each with a re-enable button.
#[component]
fn DisabledTable(endpoints: Vec<EndpointHealth>, reenable: ServerAction<StaffReenable>) -> impl IntoView {
    let row = move |e: EndpointHealth| {
        let name = format!("{} {}", e.client_name, e.environment.label());
        view! {
            <tr>
                {endpoint_cells(&e)}
                <td>
                    <StateBadge state=e.state reason=e.disabled_reason />
                </td>
                <td>
                    <TimeLabel at=e.state_since />
                </td>
                <td>
                    <ActionForm action=reenable>
                        <EnvironmentFields client_uuid=e.client_uuid.clone() environment=e.environment />
                        <button type="submit" disabled=move || reenable.pending().get()>
                            "Re-enable" <span class="visually-hidden">" " {name}</span>
                        </button>
                    </ActionForm>
                </td>
            </tr>
        }
    };
    view! {
        <DataTable
            caption="Disabled endpoints"
            columns=&["Client", "Environment", "URL", "Reason", "Since"]
            unseen_column="Action"
            items=endpoints
            row
            empty="No endpoint is disabled."
        />
    }
}
