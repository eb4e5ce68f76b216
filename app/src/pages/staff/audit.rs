//! The audit log (staff): who did what to which client, newest first, filtered by client and action,
//! a page at a time.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::components::data_table::DataTable;
use crate::components::loaded::Loaded;
use crate::components::time_label::TimeLabel;
use crate::dto::{AuditEntryView, AuditQuery, ClientView, Page};
use crate::i18n::words::{parts, staff as w, vocab};
use crate::i18n::{Lang, use_lang};
use crate::pages::staff::StaffOnly;
use crate::pages::staff::clients::list::staff_clients;
use crate::pages::staff::clients::manage_path;
use crate::query::from_params;
use crate::vocab::Environment;

/// The actions the log records, offered as suggestions for the filter (any prefix works).
const KNOWN_ACTIONS: &[&str] = &[
    "client.created",
    "account.created",
    "environment.updated",
    "subscription.",
    "subscription.activated",
    "subscription.deactivated",
    "subscription.reenabled",
    "secret.revealed",
    "secret.rotated",
];

// The page's read is a plain action: its server function is written from the action list.
pub use crate::actions::{StaffAuditLog, staff_audit_log};

/// The page at `/staff/audit?client_uuid=…&action=…&cursor=…`.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    // The page's URL query is the audit list's query, read as everywhere else.
    let audit_query = move || from_params::<AuditQuery>(&query.read());
    let entries = Resource::new(audit_query, |query| async move { staff_audit_log(query?).await });
    // Staff pick a client by name; the list is small enough to offer whole (clients are ROOK's
    // customers, not their users).
    let clients = Resource::new(|| (), |()| async move { staff_clients(None).await });
    let initial = query.get_untracked();
    let chosen = StoredValue::new(initial.get("client_uuid").unwrap_or_default());
    let action = StoredValue::new(initial.get("action").unwrap_or_default());
    let lang = use_lang();

    view! {
        <Title text=lang.title(w::AUDIT) />
        <h1>{lang.t(w::AUDIT)}</h1>
        <StaffOnly>
        <Form method="GET" action="/staff/audit" attr:class="filters" attr:role="search">
            <label for="audit-client">{lang.t(w::COL_CLIENT)}</label>
            <Suspense fallback=|| view! { <select id="audit-client" name="client_uuid" disabled=true></select> }>
                {move || Suspend::new({
                    let chosen = chosen.get_value();
                    async move {
                        let clients = clients.await.unwrap_or_default();
                        view! { <ClientPicker clients chosen /> }
                    }
                })}
            </Suspense>
            <label for="audit-action">{lang.t(w::COL_ACTION)}</label>
            <input
                id="audit-action"
                type="text"
                name="action"
                list="audit-actions"
                placeholder=lang.t(w::ACTION_EXAMPLE)
                autocomplete="off"
                value=action.get_value()
            />
            <datalist id="audit-actions">
                {KNOWN_ACTIONS.iter().map(|a| view! { <option value=*a></option> }).collect_view()}
            </datalist>
            <button type="submit">{lang.t(w::FILTER)}</button>
        </Form>
        </StaffOnly>
        <Loaded
            keep_shown=true
            content=move || async move {
                let page = entries.await?;
                Ok(view! { <AuditTable page query=query.get_untracked() /> })
            }
        />
    }
}

/// One page of entries and the link to the next, older one.
#[component]
fn AuditTable(page: Page<AuditEntryView>, query: ParamsMap) -> impl IntoView {
    let link_with_cursor = |cursor: Option<String>| {
        let mut params = query.clone();
        params.remove("cursor");
        if let Some(cursor) = cursor {
            params.insert("cursor", cursor);
        }
        format!("/staff/audit{}", params.to_query_string())
    };
    let newest = query.get("cursor").is_some().then(|| link_with_cursor(None));
    let older = page.next_cursor.map(|cursor| link_with_cursor(Some(cursor)));
    let listed = !page.items.is_empty();
    let lang = use_lang();
    view! {
        <DataTable
            class="data audit"
            caption=lang.t(w::AUDIT_CAPTION)
            columns=&[w::COL_TIME, w::COL_ACTOR, w::COL_ACTION, w::COL_CLIENT, parts::F_ENVIRONMENT, w::COL_DETAIL]
            items=page.items
            row=|entry| view! { <AuditRow entry /> }
            empty=lang.t(w::NO_ENTRY)
        />
        {listed.then(|| view! {
            <nav class="pager" aria-label=lang.t(w::AUDIT_PAGES)>
                {newest.map(|href| view! { <A href>{lang.t(crate::i18n::words::notification::NEWEST)}</A> })}
                {older.map(|href| view! { <A href>{lang.t(crate::i18n::words::notification::OLDER)}</A> })}
            </nav>
        })}
    }
}

/// Every client by name, and "Any client"; the one in the URL chosen (kept even when it is not a
/// client, so the filter says what it filters by).
#[component]
fn ClientPicker(clients: Vec<ClientView>, chosen: String) -> impl IntoView {
    let known = chosen.is_empty() || clients.iter().any(|c| c.client_uuid == chosen);
    let unknown = (!known).then(|| view! { <option value=chosen.clone() selected=true>{chosen.clone()}</option> });
    let options = clients
        .into_iter()
        .map(|client| {
            let selected = client.client_uuid == chosen;
            view! { <option value=client.client_uuid selected=selected>{client.name}</option> }
        })
        .collect_view();
    view! {
        <select id="audit-client" name="client_uuid">
            <option value="" selected=chosen.is_empty()>{use_lang().t(w::ANY_CLIENT)}</option>
            {unknown}
            {options}
        </select>
    }
}

/// One entry.
#[component]
fn AuditRow(entry: AuditEntryView) -> impl IntoView {
    // A client no longer known by name is shown by its UUID, as code (an id is no word to translate).
    let client = entry.client_uuid.map(|uuid| {
        let name = match entry.client_name.clone() {
            Some(name) => name.into_any(),
            None => view! { <code>{uuid.clone()}</code> }.into_any(),
        };
        view! {
            <A href=manage_path(&uuid) attr:title=uuid.clone()>
                {name}
            </A>
        }
    });
    let lang = use_lang();
    let detail = detail_in_words(lang, &entry.detail);
    // Who acted is shown as recorded, as code: an email, `api-token:<name>` or `client-key:<name>:<id>`
    // (names people chose, in any language).
    let environment =
        entry.environment.map(|e| e.parse::<Environment>().map_or(e, |env| lang.t(vocab::environment(env)).to_owned()));
    view! {
        <tr>
            <td>
                <TimeLabel at=entry.at />
            </td>
            <td>
                <code>{entry.actor}</code>
            </td>
            <td>
                <code>{entry.action}</code>
            </td>
            <td>{client}</td>
            <td>{environment}</td>
            <td class="detail">
                <dl>
                    {detail
                        .into_iter()
                        .map(|(what, value)| {
                            let value = match value {
                                Shown::Words(words) => words.into_any(),
                                Shown::Recorded(data) => view! { <code>{data}</code> }.into_any(),
                            };
                            view! {
                                <dt>{what}</dt>
                                <dd>{value}</dd>
                            }
                        })
                        .collect_view()}
                </dl>
            </td>
        </tr>
    }
}

/// How a value of an entry's detail is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// Words of the page's language ("yes", "none") or a number.
    Words(String),
    /// What the entry recorded as it was (an id, a URL, a type's wire name): data in no language, shown
    /// as code, like a header or a body.
    Recorded(String),
}

/// An entry's detail as (what, value) pairs for people: `released_held` reads "Released held", a
/// `true` reads "yes", a list is joined with commas. Nested values stay JSON (no entry writes any).
pub fn detail_in_words(lang: Lang, detail: &serde_json::Value) -> Vec<(String, Shown)> {
    use serde_json::Value;
    let Value::Object(fields) = detail else {
        return match detail {
            Value::Null => Vec::new(),
            other => vec![(lang.t(w::COL_DETAIL).to_owned(), Shown::Recorded(other.to_string()))],
        };
    };
    let words = |value: &Value| match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => lang.t(w::YES).to_owned(),
        Value::Bool(false) => lang.t(w::NO).to_owned(),
        Value::Null => lang.t(w::NONE).to_owned(),
        other => other.to_string(),
    };
    // Sorted by name, whatever order the JSON map keeps.
    let mut fields: Vec<_> = fields.iter().collect();
    fields.sort_by_key(|(key, _)| key.as_str());
    fields
        .into_iter()
        .map(|(key, value)| {
            let what = w::detail_field(lang, key);
            let value = match value {
                Value::Array(items) if items.is_empty() => Shown::Words(lang.t(w::NONE).to_owned()),
                Value::Array(items) => Shown::Recorded(items.iter().map(words).collect::<Vec<_>>().join(", ")),
                Value::String(_) | Value::Object(_) => Shown::Recorded(words(value)),
                other => Shown::Words(words(other)),
            };
            (what, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Shown, detail_in_words};
    use crate::i18n::Lang;
    use serde_json::json;

    #[test]
    fn an_entrys_detail_reads_as_words() {
        let detail = json!({ "released_held": 3, "types": ["user.created", "user.deleted"], "active": false });
        assert_eq!(
            detail_in_words(Lang::En, &detail),
            vec![
                ("Active".to_owned(), Shown::Words("no".to_owned())),
                ("Released held".to_owned(), Shown::Words("3".to_owned())),
                ("Types".to_owned(), Shown::Recorded("user.created, user.deleted".to_owned())),
            ]
        );
        assert!(detail_in_words(Lang::En, &json!({})).is_empty());
        assert!(detail_in_words(Lang::En, &serde_json::Value::Null).is_empty());
        assert_eq!(detail_in_words(Lang::Es, &detail)[0], ("Activa".to_owned(), Shown::Words("no".to_owned())));
        // An id is recorded data, not words.
        let key = json!({ "key_id": "01a2360f-4630-7462-869f-1be48f15494f" });
        assert_eq!(
            detail_in_words(Lang::Es, &key)[0].1,
            Shown::Recorded("01a2360f-4630-7462-869f-1be48f15494f".to_owned())
        );
    }
}
