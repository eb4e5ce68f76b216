//! One delivery attempt, everything recorded about it, in words.

use leptos::prelude::*;

use super::time_label::TimeLabel;
use crate::dto::{AttemptView, DeliveryProgress};
use crate::vocab::{AttemptErrorKind, AttemptTrigger};

/// What went wrong, said for people.
pub const fn error_kind_words(kind: AttemptErrorKind) -> &'static str {
    match kind {
        AttemptErrorKind::Timeout => "the receiver did not answer within the timeout",
        AttemptErrorKind::Dns => "the receiver's host name could not be resolved",
        AttemptErrorKind::Connect => "no connection could be made to the receiver",
        AttemptErrorKind::Tls => "the secure (TLS) connection to the receiver failed",
        AttemptErrorKind::HttpStatus => "the receiver answered with a status other than 2xx",
        AttemptErrorKind::RefusedDestination => {
            "the receiver's address is private or reserved, so ROOK refused to send there"
        }
    }
}

/// What went wrong in two words, for a table's cell.
pub const fn error_kind_label(kind: AttemptErrorKind) -> &'static str {
    match kind {
        AttemptErrorKind::Timeout => "timed out",
        AttemptErrorKind::Dns => "host not found",
        AttemptErrorKind::Connect => "no connection",
        AttemptErrorKind::Tls => "TLS failed",
        AttemptErrorKind::HttpStatus => "non-2xx answer",
        AttemptErrorKind::RefusedDestination => "address refused",
    }
}

/// How the newest attempt of an undelivered item ended, for a list row: its HTTP status when the
/// receiver answered ("HTTP 503"), else what went wrong ("timed out"); none once delivered or before
/// any attempt.
pub fn last_attempt_outcome(progress: &DeliveryProgress) -> Option<String> {
    if progress.delivered_at.is_some() {
        return None;
    }
    let kind = progress.last_error_kind?;
    Some(match (kind, progress.last_http_status) {
        (AttemptErrorKind::HttpStatus, Some(status)) => format!("HTTP {status}"),
        _ => error_kind_label(kind).to_owned(),
    })
}

/// Why an attempt was made.
pub const fn trigger_words(trigger: AttemptTrigger) -> &'static str {
    match trigger {
        AttemptTrigger::Schedule => "Scheduled delivery",
        AttemptTrigger::Resend => "Manual resend",
        AttemptTrigger::BulkResend => "Bulk resend of failed notifications",
        AttemptTrigger::Test => "Test notification",
    }
}

/// The outcome in a few words: "Delivered (HTTP 200)", "Failed: HTTP 503", "Failed: timeout".
pub fn outcome_words(attempt: &AttemptView) -> String {
    match (attempt.succeeded, attempt.response_status, attempt.error_kind) {
        (true, Some(status), _) => format!("Delivered (HTTP {status})"),
        (true, None, _) => "Delivered".to_owned(),
        (false, Some(status), _) => format!("Failed: HTTP {status}"),
        (false, None, Some(kind)) => format!("Failed: {}", error_kind_words(kind)),
        (false, None, None) => "Failed".to_owned(),
    }
}

/// One attempt, collapsed to one line — "Attempt N — outcome" (a level-4 heading), when, how long, why —
/// that opens to the request and the response.
#[component]
pub fn AttemptCard(attempt: AttemptView) -> impl IntoView {
    let class = if attempt.succeeded { "attempt attempt-ok" } else { "attempt attempt-failed" };
    let outcome = outcome_words(&attempt);
    let error = attempt.error_kind.map(|kind| {
        let detail = attempt.error_message.clone().map(|m| format!(" ({m})")).unwrap_or_default();
        view! {
            <dt>"Error"</dt>
            <dd>{format!("{}{detail}", capitalised(error_kind_words(kind)))}</dd>
        }
    });
    let response = attempt.response_status.map(|status| {
        let truncated = attempt.response_truncated.then(|| {
            view! { <p class="note">"Truncated: only the first 16 KiB of the answer were kept."</p> }
        });
        view! {
            <h5>{format!("Response: HTTP {status}")}</h5>
            <Headers caption="Response headers" headers=attempt.response_headers.clone() />
            <p class="label">"Body excerpt"</p>
            <pre class="body-excerpt">{attempt.response_body.clone().unwrap_or_default()}</pre>
            {truncated}
        }
    });
    view! {
        <details class=class id=format!("attempt-{}", attempt.id)>
            <summary>
                <h4>{format!("Attempt {} — {outcome}", attempt.attempt_number)}</h4>
                <span class="attempt-meta">
                    <TimeLabel at=attempt.started_at />
                    {format!(" · {} ms · {}", attempt.duration_ms, trigger_words(attempt.trigger))}
                </span>
            </summary>
            <dl class="facts">
                <dt>"Triggered by"</dt>
                <dd>{attempt.triggered_by.clone().unwrap_or_else(|| "ROOK (automatic)".to_owned())}</dd>
                <dt>"URL"</dt>
                <dd>
                    <code>{attempt.url.clone()}</code>
                </dd>
                {error}
            </dl>
            <Headers caption="Request headers" headers=attempt.request_headers.clone() />
            {response}
        </details>
    }
}

/// Headers as a two-column table.
#[component]
fn Headers(caption: &'static str, headers: Vec<(String, String)>) -> impl IntoView {
    let rows = headers
        .into_iter()
        .map(|(name, value)| {
            view! {
                <tr>
                    <th scope="row">
                        <code>{name}</code>
                    </th>
                    <td>
                        <code>{value}</code>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="headers">
            <caption>{caption}</caption>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn capitalised(words: &str) -> String {
    let mut chars = words.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
