//! Notifications as a table, newest first: the feed's and the needs-attention page's.

use leptos::prelude::*;

use super::attempt::last_attempt_outcome;
use super::data_table::TableFrame;
use super::filters::url_escape;
use super::notification_status::StatusBadge;
use super::time_label::TimeLabel;
use crate::components::facts::or_absent;
use crate::dto::NotificationSummary;
use crate::i18n::words::{parts as w, vocab};
use crate::i18n::{Msg, use_lang};
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
        <TableFrame class="feed" caption=use_lang().t(w::T_CAPTION) columns=COLUMNS>
            <For each=rows key=|n| (n.id.clone(), n.status, n.progress.attempt_count, n.progress.last_attempt_at) let:n>
                <NotificationRow n />
            </For>
        </TableFrame>
    }
}

const COLUMNS: &[Msg] =
    &[w::T_RECORDED, w::F_TYPE, w::F_ENVIRONMENT, w::F_USER, w::F_SOURCE, w::F_STATUS, w::T_ATTEMPTS];

/// One notification; its type links to its page.
#[component]
fn NotificationRow(n: NotificationSummary) -> impl IntoView {
    let lang = use_lang();
    let test = n
        .test
        .then(|| view! { <span class="badge badge-test">{lang.t(crate::i18n::words::common::TEST_BADGE)}</span> });
    let last_attempt = n.progress.last_attempt_at.map(|at| view! { {lang.t(w::T_LAST)} <TimeLabel at /> });
    let last_error = last_attempt_outcome(lang, &n.progress)
        .map(|outcome| view! { <span class="reason">{format!("{}: {outcome}", lang.t(w::LAST_ATTEMPT))}</span> });
    let reason = n.reason.map(|r| {
        view! { <span class="reason">{reason_words(lang, r, n.data_source.as_deref()).title}</span> }
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
            <td>{lang.t(vocab::environment(n.environment))}</td>
            <td>{or_absent(n.user_id)}</td>
            <td>{or_absent(n.data_source)}</td>
            <td>
                <StatusBadge status=n.status />
            </td>
            <td>{n.progress.attempt_count}{last_attempt}{last_error}</td>
        </tr>
    }
}
