//! The receiver guide: what a notification request looks like, how to verify it, how to answer, and an
//! example of every type (from `payload::example`, so the guide and the wire cannot disagree).

use leptos::prelude::*;

use crate::components::data_table::TableFrame;
use crate::i18n::{use_lang, words::guide as w};
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
    let lang = use_lang();
    let examples = NotificationType::ALL
        .iter()
        .map(|kind| {
            let json = serde_json::to_string_pretty(&example(*kind)).unwrap_or_default();
            view! {
                <details>
                    <summary>
                        <code>{kind.as_str()}</code>
                        {w::category_of(lang, kind.category().as_str())}
                    </summary>
                    <pre>{json}</pre>
                </details>
            }
        })
        .collect_view();
    view! {
        <section class="panel guide" aria-labelledby="guide-heading">
            <h2 id="guide-heading">{lang.t(w::HEADING)}</h2>
            <p>
                {lang.t(w::INTRO_1)} <code>"POST"</code>
                {lang.t(w::INTRO_2)}
                {lang.t(w::INTRO_3)}
                <a href="mailto:support@tryrook.io">"support@tryrook.io"</a> "."
            </p>

            <h3>{lang.t(w::HEADERS)}</h3>
            <dl class="facts">
                <dt>
                    <code>"webhook-id"</code>
                </dt>
                <dd>{lang.t(w::H_ID)}</dd>
                <dt>
                    <code>"webhook-timestamp"</code>
                </dt>
                <dd>{lang.t(w::H_TIMESTAMP)}</dd>
                <dt>
                    <code>"webhook-signature"</code>
                </dt>
                <dd>
                    {lang.t(w::H_SIG_1)} <code>"v1,<base64>"</code>
                    {lang.t(w::H_SIG_2)}
                    <code>"id.timestamp.body"</code> {lang.t(w::H_SIG_3)}
                </dd>
                <dt>
                    <code>"x-rook-hash"</code>
                </dt>
                <dd>
                    {lang.t(w::H_HASH_1)}
                    <code>"client_uuid + user_id + datetime"</code>
                    {lang.t(w::H_HASH_2)} <code>"webhook-signature"</code> "."
                </dd>
            </dl>

            <h3>{lang.t(w::VERIFY)}</h3>
            <p>
                {lang.t(w::VERIFY_1)}
                {lang.t(w::VERIFY_2)}
            </p>
            <h4>"Rust"</h4>
            <pre>{RUST_VERIFY}</pre>
            <h4>"Python"</h4>
            <pre>{PYTHON_VERIFY}</pre>
            <h4>"Node.js"</h4>
            <pre>{NODE_VERIFY}</pre>

            <h3>{lang.t(w::ANSWER)}</h3>
            <ul>
                <li>
                    {lang.t(w::ANSWER_1)}
                    {lang.t(w::ANSWER_2)}
                </li>
                <li>{lang.t(w::REDIRECTS)}</li>
                <li>
                    {lang.t(w::RETRIES_1)}
                    {lang.t(w::RETRIES_2)}
                    <code>"Retry-After"</code> {lang.t(w::RETRIES_3)}
                </li>
                <li>
                    {lang.t(w::DISABLED_1)}
                    {lang.t(w::DISABLED_2)}
                </li>
            </ul>

            <h3>{lang.t(w::DUPLICATES)}</h3>
            <ul>
                <li>{lang.t(w::AT_LEAST_ONCE)} <code>"webhook-id"</code> "."</li>
                <li>
                    {lang.t(w::ORDER_1)} <code>"datetime"</code>
                    {lang.t(w::ORDER_2)}
                </li>
            </ul>

            <h3>{lang.t(w::TYPES)}</h3>
            {examples}

            <h3>{lang.t(w::WHY_FAILED)}</h3>
            <p>
                {lang.t(w::WHY_1)} <code>"details.reason"</code> {lang.t(w::WHY_2)} <code>"extraction.failed"</code>
                {lang.t(w::WHY_3)}
            </p>
            <ReasonTable kind=DataSourceKind::Cloud />
            <ReasonTable kind=DataSourceKind::Phone />
        </section>
    }
}

/// The table of reasons for one kind of data source (the receiver guide in `docs/` shows the same).
#[component]
fn ReasonTable(kind: DataSourceKind) -> impl IntoView {
    let lang = use_lang();
    let rows = reason_table(lang, kind)
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
        <TableFrame
            class="reasons"
            caption=kind.label(lang)
            caption_shown=true
            columns=&[w::COL_REASON, w::COL_WHAT, w::COL_NEXT]
        >
            {rows}
        </TableFrame>
    }
}
