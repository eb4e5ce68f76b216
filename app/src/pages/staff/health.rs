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
use crate::i18n::use_lang;
use crate::i18n::words::{parts, staff as w, vocab};
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
    let lang = use_lang();

    view! {
        <Title text=lang.title(w::HEALTH) />
        <h1>{lang.t(w::HEALTH)}</h1>
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
    let lang = use_lang();
    let longest_wait = oldest_due_age_secs.map_or_else(|| lang.t(w::NONE_DUE).to_owned(), duration_words);
    view! {
        <section class="panel" aria-labelledby="queue-heading">
            <h2 id="queue-heading">{lang.t(w::QUEUE)}</h2>
            <Figures items=vec![
                (lang.t(w::QUEUED), queue_depth.to_string()),
                (lang.t(w::LONGEST_WAIT), longest_wait),
            ] />
        </section>
        <Throughput hourly />
        <section class="panel" aria-labelledby="failing-heading">
            <h2 id="failing-heading">{lang.t(w::FAILING_NOW)}</h2>
            <FailingTable endpoints=failing />
        </section>
        <section class="panel" aria-labelledby="disabled-heading">
            <h2 id="disabled-heading">{lang.t(w::DISABLED_ENDPOINTS)}</h2>
            <OutcomeNote outcome=note />
            <DisabledTable endpoints=disabled reenable />
        </section>
        <section class="panel" aria-labelledby="alerts-heading">
            <h2 id="alerts-heading">{lang.t(w::RECENT_ALERTS)}</h2>
            <AlertList alerts show_client=true />
        </section>
    }
}

/// The last 24 hours: the chart and its figures.
#[component]
fn Throughput(hourly: Vec<HourlyStat>) -> impl IntoView {
    let lang = use_lang();
    let totals = AttemptTotals::of(&hourly);
    let rate = totals.error_rate_percent().map_or_else(|| lang.t(w::NO_ATTEMPTS).to_owned(), |r| format!("{r:.1} %"));
    let span = match (hourly.first(), hourly.last()) {
        (Some(first), Some(last)) => w::span(lang, &first.hour.to_display(), &last.hour.to_display()),
        _ => String::new(),
    };
    let summary = w::throughput_summary(lang, totals.attempts(), totals.succeeded, totals.failed);
    view! {
        <section class="panel" aria-labelledby="throughput-heading">
            <h2 id="throughput-heading">{lang.t(w::LAST_24H)}</h2>
            <Figures items=vec![
                (lang.t(w::ATTEMPTS), totals.attempts().to_string()),
                (lang.t(w::DELIVERED), totals.succeeded.to_string()),
                (lang.t(w::FAILED), totals.failed.to_string()),
                (lang.t(w::ERROR_RATE), rate),
            ] />
            <figure class="chart">
                <HourlyChart hours=hourly label=summary />
                <figcaption>
                    {lang.t(w::ATTEMPTS_PER_HOUR)} {span} {lang.t(w::HOUR_STARTS)}
                    <span class="legend legend-ok">{lang.t(w::DELIVERED)}</span>
                    " "
                    <span class="legend legend-failed">{lang.t(w::FAILED)}</span>
                </figcaption>
            </figure>
        </section>
    }
}

/// The client, linked to its page, and the environment of an endpoint.
fn endpoint_cells(e: &EndpointHealth) -> impl IntoView + use<> {
    let lang = use_lang();
    let (href, name) = (manage_path(&e.client_uuid), e.client_name.clone());
    let url = e.notification_webhook_url.clone().unwrap_or_else(|| lang.t(w::NOT_SET).to_owned());
    view! {
        <th scope="row">
            <A href>{name}</A>
        </th>
        <td>{lang.t(vocab::environment(e.environment))}</td>
        <td class="url">{url}</td>
    }
}

/// Active endpoints whose last attempts failed.
#[component]
fn FailingTable(endpoints: Vec<EndpointHealth>) -> impl IntoView {
    let lang = use_lang();
    let row = move |e: EndpointHealth| {
        view! {
            <tr>
                {endpoint_cells(&e)}
                <td>
                    <MaybeTime at=e.failing_since otherwise="—" />
                </td>
                <td class="number">{e.consecutive_failures}</td>
                <td>
                    <MaybeTime at=e.last_success_at otherwise=lang.t(w::NEVER) />
                </td>
            </tr>
        }
    };
    view! {
        <DataTable
            caption=lang.t(w::FAILING_ENDPOINTS)
            columns=&[
                w::COL_CLIENT,
                parts::F_ENVIRONMENT,
                parts::URL,
                w::COL_FAILING_SINCE,
                w::COL_CONSECUTIVE,
                w::COL_LAST_SUCCESS,
            ]
            items=endpoints
            row
            empty=lang.t(w::NONE_FAILING)
        />
    }
}

/// Endpoints the engine disabled, each with a re-enable button.
#[component]
fn DisabledTable(endpoints: Vec<EndpointHealth>, reenable: ServerAction<StaffReenable>) -> impl IntoView {
    let lang = use_lang();
    let row = move |e: EndpointHealth| {
        let name = format!("{} {}", e.client_name, lang.t(vocab::environment(e.environment)));
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
                            {lang.t(w::REENABLE_BUTTON)} <span class="visually-hidden">" " {name}</span>
                        </button>
                    </ActionForm>
                </td>
            </tr>
        }
    };
    view! {
        <DataTable
            caption=lang.t(w::DISABLED_ENDPOINTS)
            columns=&[w::COL_CLIENT, parts::F_ENVIRONMENT, parts::URL, w::COL_REASON, w::COL_SINCE]
            unseen_column=w::COL_ACTION
            items=endpoints
            row
            empty=lang.t(w::NONE_DISABLED)
        />
    }
}
