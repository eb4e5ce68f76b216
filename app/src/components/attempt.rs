//! One delivery attempt, everything recorded about it, in words.

use leptos::prelude::*;

use super::time_label::TimeLabel;
use crate::dto::{AttemptView, DeliveryProgress};
use crate::i18n::words::{parts as w, vocab};
use crate::i18n::{Lang, use_lang};
use crate::vocab::AttemptErrorKind;

/// How the newest attempt of an undelivered item ended, for a list row: its HTTP status when the
/// receiver answered ("HTTP 503"), else what went wrong ("timed out"); none once delivered or before
/// any attempt.
pub fn last_attempt_outcome(lang: Lang, progress: &DeliveryProgress) -> Option<String> {
    if progress.delivered_at.is_some() {
        return None;
    }
    let kind = progress.last_error_kind?;
    Some(match (kind, progress.last_http_status) {
        (AttemptErrorKind::HttpStatus, Some(status)) => format!("HTTP {status}"),
        _ => lang.t(vocab::error_kind_label(kind)).to_owned(),
    })
}

/// The outcome in a few words: "Delivered (HTTP 200)", "Failed: HTTP 503", "Failed: timeout".
pub fn outcome_words(lang: Lang, attempt: &AttemptView) -> String {
    let (delivered, failed) = (lang.t(w::DELIVERED), lang.t(w::FAILED));
    match (attempt.succeeded, attempt.response_status, attempt.error_kind) {
        (true, Some(status), _) => format!("{delivered} (HTTP {status})"),
        (true, None, _) => delivered.to_owned(),
        (false, Some(status), _) => format!("{failed}: HTTP {status}"),
        (false, None, Some(kind)) => format!("{failed}: {}", lang.t(vocab::error_kind_words(kind))),
        (false, None, None) => failed.to_owned(),
    }
}

/// One attempt, collapsed to one line — "Attempt N — outcome" (a level-4 heading), when, how long, why —
/// that opens to the request and the response.
#[component]
pub fn AttemptCard(attempt: AttemptView) -> impl IntoView {
    let class = if attempt.succeeded { "attempt attempt-ok" } else { "attempt attempt-failed" };
    let lang = use_lang();
    let outcome = outcome_words(lang, &attempt);
    let error = attempt.error_kind.map(|kind| {
        view! {
            <dt>{lang.t(w::ERROR)}</dt>
            <dd>{capitalised(lang.t(vocab::error_kind_words(kind)))}</dd>
        }
    });
    // The engine's diagnostic is recorded once, in English, with what the network library and the
    // operating system said ("Connection refused (os error 111)"), which has no translation. The words
    // above say what happened in the page's language; the record itself is shown as data, like the
    // receiver's body, and marked as English for browsers, screen readers and translators.
    let diagnostic = attempt.error_message.clone().map(|message| {
        view! {
            <dt>{lang.t(w::DIAGNOSTIC)}</dt>
            <dd>
                <code lang="en" translate="no">{message}</code>
            </dd>
        }
    });
    let response = attempt.response_status.map(|status| {
        let truncated = attempt.response_truncated.then(|| {
            view! { <p class="note">{lang.t(w::TRUNCATED)}</p> }
        });
        view! {
            <h5>{format!("Response: HTTP {status}")}</h5>
            <Headers caption=lang.t(w::RESPONSE_HEADERS) headers=attempt.response_headers.clone() />
            <p class="label">{lang.t(w::BODY_EXCERPT)}</p>
            <pre class="body-excerpt">{attempt.response_body.clone().unwrap_or_default()}</pre>
            {truncated}
        }
    });
    view! {
        <details class=class id=format!("attempt-{}", attempt.id)>
            <summary>
                <h4>{w::attempt_heading(lang, attempt.attempt_number, &outcome)}</h4>
                <span class="attempt-meta">
                    <TimeLabel at=attempt.started_at />
                    {format!(" · {} ms · {}", attempt.duration_ms, lang.t(vocab::trigger(attempt.trigger)))}
                </span>
            </summary>
            <dl class="facts">
                <dt>{lang.t(w::TRIGGERED_BY)}</dt>
                <dd>{attempt.triggered_by.clone().unwrap_or_else(|| lang.t(w::ROOK_AUTOMATIC).to_owned())}</dd>
                <dt>{lang.t(w::URL)}</dt>
                <dd>
                    <code>{attempt.url.clone()}</code>
                </dd>
                {error}
                {diagnostic}
            </dl>
            <Headers caption=lang.t(w::REQUEST_HEADERS) headers=attempt.request_headers.clone() />
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
