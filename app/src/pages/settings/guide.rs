//! The receiver guide: what a notification request looks like, how to verify it, how to answer, and an
//! example of every type (from `payload::example`, so the guide and the wire cannot disagree).

use leptos::prelude::*;

use crate::components::data_table::TableFrame;
use crate::payload::example;
use crate::reasons::{DataSourceKind, reason_table};
use crate::vocab::NotificationType;

const RUST_VERIFY: &str = r#"// Cargo.toml: standardwebhooks = "1"
use standardwebhooks::Webhook;

let webhook = Webhook::new(&secret)?; // "whsec_…"
// `body`: the raw request bytes, before any JSON parsing; `headers`: http::HeaderMap.
webhook.verify(&body, &headers)?;
let notification: serde_json::Value = serde_json::from_slice(&body)?;"#;

const PYTHON_VERIFY: &str = r#"# pip install standardwebhooks
from standardwebhooks.webhooks import Webhook

wh = Webhook(secret)  # "whsec_…"
# The raw body (bytes), before any JSON parsing; raises if the signature is wrong or too old.
notification = wh.verify(request_body, request_headers)"#;

const NODE_VERIFY: &str = r#"// npm install standardwebhooks
import { Webhook } from "standardwebhooks";

const wh = new Webhook(secret); // "whsec_…"
// The raw body (string or Buffer), before any JSON parsing; throws if the signature is wrong or too old.
const notification = wh.verify(rawBody, req.headers);"#;

/// The guide, as a section of the settings page.
#[component]
pub fn ReceiverGuide() -> impl IntoView {
    let examples = NotificationType::ALL
        .iter()
        .map(|kind| {
            let json = serde_json::to_string_pretty(&example(*kind)).unwrap_or_default();
            view! {
                <details>
                    <summary>
                        <code>{kind.as_str()}</code>
                        {format!(" (category {})", kind.category().as_str())}
                    </summary>
                    <pre>{json}</pre>
                </details>
            }
        })
        .collect_view();
    view! {
        <section class="panel guide" aria-labelledby="guide-heading">
            <h2 id="guide-heading">"Receiver guide"</h2>
            <p>
                "Each notification is an HTTPS " <code>"POST"</code>
                " of a JSON body to your Notification Webhook URL. "
                "Subscribing is sold by ROOK staff: contact your ROOK account manager or "
                <a href="mailto:support@tryrook.io">"support@tryrook.io"</a> "."
            </p>

            <h3>"Headers"</h3>
            <dl class="facts">
                <dt>
                    <code>"webhook-id"</code>
                </dt>
                <dd>"The notification's id: the same on every retry. Use it to drop duplicates."</dd>
                <dt>
                    <code>"webhook-timestamp"</code>
                </dt>
                <dd>"When this attempt was sent, in Unix seconds."</dd>
                <dt>
                    <code>"webhook-signature"</code>
                </dt>
                <dd>
                    "One or more space-separated " <code>"v1,<base64>"</code>
                    " signatures (two for 24 hours after a secret rotation): HMAC-SHA256 of "
                    <code>"id.timestamp.body"</code> " with your signing secret."
                </dd>
                <dt>
                    <code>"x-rook-hash"</code>
                </dt>
                <dd>
                    "Only if ROOK set a secret hash key for you: the legacy hex HMAC-SHA256 of "
                    <code>"client_uuid + user_id + datetime"</code>
                    ". It does not cover the body: trust " <code>"webhook-signature"</code> "."
                </dd>
            </dl>

            <h3>"Verify every request"</h3>
            <p>
                "Use an official Standard Webhooks library with your signing secret (above). "
                "They reject signatures older than 5 minutes."
            </p>
            <h4>"Rust"</h4>
            <pre>{RUST_VERIFY}</pre>
            <h4>"Python"</h4>
            <pre>{PYTHON_VERIFY}</pre>
            <h4>"Node.js"</h4>
            <pre>{NODE_VERIFY}</pre>

            <h3>"Answer 2xx, fast"</h3>
            <ul>
                <li>
                    "Answer any 2xx within 15 seconds, then do the work: "
                    "store the notification and process it in the background."
                </li>
                <li>"Redirects are not followed. Only the first 16 KiB of your answer are kept, for the dashboard."</li>
                <li>
                    "Without a 2xx, ROOK tries again after 10 s, 1 min, 10 min, 1 h, 2 h, 24 h and 48 h (each ±10 %), "
                    "then marks the notification failed; you can resend it from the dashboard. A 429 or 503 with "
                    <code>"Retry-After"</code> " moves the next attempt later."
                </li>
                <li>
                    "An endpoint that answers 410 Gone, or has failed for 5 days, is disabled: "
                    "new notifications are held and sent when it is re-enabled."
                </li>
            </ul>

            <h3>"Duplicates and order"</h3>
            <ul>
                <li>"Delivery is at least once: de-duplicate by " <code>"webhook-id"</code> "."</li>
                <li>
                    "Order is not guaranteed (retries, concurrency): the payload's " <code>"datetime"</code>
                    " says when the event happened."
                </li>
            </ul>

            <h3>"Notification types"</h3>
            {examples}

            <h3>"Why an extraction failed"</h3>
            <p>
                "An " <code>"extraction.failed"</code> " notification's " <code>"details.reason"</code>
                " says why; what it means depends on where the data source keeps its data:"
            </p>
            <ReasonTable kind=DataSourceKind::Cloud />
            <ReasonTable kind=DataSourceKind::Phone />
        </section>
    }
}

/// The table of reasons for one kind of data source (the receiver guide in `docs/` shows the same).
#[component]
fn ReasonTable(kind: DataSourceKind) -> impl IntoView {
    let rows = reason_table(kind)
        .into_iter()
        .map(|(reason, words)| {
            view! {
                <tr>
                    <th scope="row">
                        <code>{reason.as_str()}</code>
                    </th>
                    <td>{words.what}</td>
                    <td>{words.next}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableFrame class="reasons" caption=kind.label() caption_shown=true columns=&["reason", "What happened", "What to do"]>
            {rows}
        </TableFrame>
    }
}
