//! Notifications as a table, newest first: the feed's and the needs-attention page's.

use leptos::prelude::*;

use super::attempt::last_attempt_outcome;
use super::data_table::TableFrame;
use super::filters::url_escape;
use super::notification_status::StatusBadge;
use super::time_label::TimeLabel;
use crate::components::facts::or_absent;
use crate::dto::NotificationSummary;
use crate::reasons::reason_words;

/// The page of a notification.
pub fn notification_href(id: &str) -> String {
    format!("/notifications/{}", url_escape(id))
}

/// The notifications as a table; rows are keyed by id and state, so arrivals are added without
/// redrawing the rest, and a row is redrawn when its status or attempts change.
#[component]
pub fn NotificationTable(rows: impl Fn() -> Vec<NotificationSummary> + Send + Sync + 'static) -> impl IntoView {
    view! {
        <TableFrame class="feed" caption="Notifications, newest first" columns=COLUMNS>
            <For each=rows key=|n| (n.id.clone(), n.status, n.progress.attempt_count, n.progress.last_attempt_at) let:n>
                <NotificationRow n />
            </For>
        </TableFrame>
    }
}

const COLUMNS: &[&str] = &["Recorded", "Type", "Environment", "User id", "Data source", "Status", "Attempts"];

/// One notification; its type links to its page.
#[component]
fn NotificationRow(n: NotificationSummary) -> impl IntoView {
    let test = n.test.then(|| view! { <span class="badge badge-test">"test"</span> });
    let last_attempt = n.progress.last_attempt_at.map(|at| view! { " · last " <TimeLabel at /> });
    let last_error = last_attempt_outcome(&n.progress)
        .map(|outcome| view! { <span class="reason">{format!("Last attempt: {outcome}")}</span> });
    let reason = n.reason.map(|r| {
        view! { <span class="reason">{reason_words(r, n.data_source.as_deref()).title}</span> }
    });
    view! {
        <tr>
            <td>
                <TimeLabel at=n.created_at />
            </td>
            <td>
                <a href=notification_href(&n.id)>{n.kind.as_str()}</a>
                " "
                {test}
                {reason}
            </td>
            <td>{n.environment.label()}</td>
            <td>{or_absent(n.user_id)}</td>
            <td>{or_absent(n.data_source)}</td>
            <td>
                <StatusBadge status=n.status />
            </td>
            <td>{n.progress.attempt_count}{last_attempt}{last_error}</td>
        </tr>
    }
}
