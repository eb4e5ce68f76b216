//! Operational alerts as a list: when, where, what happened — in words.

use leptos::prelude::*;

use super::plural::count_of;
use super::time_label::TimeLabel;
use crate::dto::AlertView;
use crate::vocab::AlertKind;

/// What an alert says, in words, with what its detail adds.
pub fn alert_words(alert: &AlertView) -> String {
    let detail = &alert.detail;
    match alert.kind {
        AlertKind::Failing => match detail.get("consecutive_failures").and_then(|n| n.as_u64()) {
            Some(n) => format!("Started failing: {} failed", count_of(n, "attempt", "attempts in a row")),
            None => "Started failing".to_owned(),
        },
        AlertKind::Disabled => match detail.get("reason").and_then(|r| r.as_str()) {
            Some("gone") => "Disabled: the receiver answered 410 Gone".to_owned(),
            Some("failing") => "Disabled: failing for days without a success".to_owned(),
            _ => "Disabled".to_owned(),
        },
        AlertKind::Recovered => "Recovered: deliveries succeed again".to_owned(),
    }
}

/// The alerts, newest first; with `show_client`, each names its client (for staff).
#[component]
pub fn AlertList(alerts: Vec<AlertView>, #[prop(optional)] show_client: bool) -> impl IntoView {
    if alerts.is_empty() {
        return view! { <p class="empty">"No alerts."</p> }.into_any();
    }
    let items = alerts
        .into_iter()
        .map(|alert| {
            let words = alert_words(&alert);
            let client = show_client.then(|| {
                let href = format!("/clients/{}", alert.client_uuid);
                view! { <a href=href title=alert.client_uuid.clone()>{alert.client_name.clone()}</a> " · " }
            });
            view! {
                <li class=format!("alert alert-{}", alert.kind.as_str())>
                    <TimeLabel at=alert.at />
                    " · "
                    {client}
                    {alert.environment.label()}
                    " · "
                    <strong>{words}</strong>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="alerts">{items}</ul> }.into_any()
}
