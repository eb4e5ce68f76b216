//! Operational alerts as a list: when, where, what happened — in words.

use leptos::prelude::*;

use super::time_label::TimeLabel;
use crate::dto::AlertView;
use crate::i18n::words::{parts as w, vocab};
use crate::i18n::{Lang, use_lang};
use crate::vocab::AlertKind;

/// What an alert says, in words, with what its detail adds.
pub fn alert_words(lang: Lang, alert: &AlertView) -> String {
    let detail = &alert.detail;
    match alert.kind {
        AlertKind::Failing => match detail.get("consecutive_failures").and_then(|n| n.as_u64()) {
            Some(n) => w::alert_failing(lang, n),
            None => lang.t(w::ALERT_FAILING).to_owned(),
        },
        AlertKind::Disabled => match detail.get("reason").and_then(|r| r.as_str()) {
            Some("gone") => lang.t(w::ALERT_DISABLED_GONE).to_owned(),
            Some("failing") => lang.t(w::ALERT_DISABLED_FAILING).to_owned(),
            _ => lang.t(w::ALERT_DISABLED).to_owned(),
        },
        AlertKind::Recovered => lang.t(w::ALERT_RECOVERED).to_owned(),
    }
}

/// The alerts, newest first; with `show_client`, each names its client (for staff).
#[component]
pub fn AlertList(alerts: Vec<AlertView>, #[prop(optional)] show_client: bool) -> impl IntoView {
    let lang = use_lang();
    if alerts.is_empty() {
        return view! { <p class="empty">{lang.t(w::NO_ALERTS)}</p> }.into_any();
    }
    let items = alerts
        .into_iter()
        .map(|alert| {
            let words = alert_words(lang, &alert);
            let client = show_client.then(|| {
                let href = format!("/clients/{}", alert.client_uuid);
                view! { <a href=href title=alert.client_uuid.clone()>{alert.client_name.clone()}</a> " · " }
            });
            view! {
                <li class=format!("alert alert-{}", alert.kind.as_str())>
                    <TimeLabel at=alert.at />
                    " · "
                    {client}
                    {lang.t(vocab::environment(alert.environment))}
                    " · "
                    <strong>{words}</strong>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="alerts">{items}</ul> }.into_any()
}
