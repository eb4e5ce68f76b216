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
use crate::dto::{AuditEntryView, AuditQuery, Page};
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
    let initial = query.get_untracked();
    let value_of = move |name: &str| initial.get(name).unwrap_or_default();

    view! {
        <Title text="Audit log · rook-notify" />
        <h1>"Audit log"</h1>
        <Form method="GET" action="/staff/audit" attr:class="filters" attr:role="search">
            <label for="audit-client">"Client UUID"</label>
            <input id="audit-client" type="text" name="client_uuid" autocomplete="off" value=value_of("client_uuid") />
            <label for="audit-action">"Action"</label>
            <input
                id="audit-action"
                type="text"
                name="action"
                list="audit-actions"
                placeholder="e.g. subscription."
                autocomplete="off"
                value=value_of("action")
            />
            <datalist id="audit-actions">
                {KNOWN_ACTIONS.iter().map(|a| view! { <option value=*a></option> }).collect_view()}
            </datalist>
            <button type="submit">"Filter"</button>
        </Form>
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
    view! {
        <DataTable
            class="data audit"
            caption="Audit log entries, newest first"
            columns=&["Time", "Actor", "Action", "Client", "Environment", "Detail"]
            items=page.items
            row=|entry| view! { <AuditRow entry /> }
            empty="No entry matches."
        />
        {listed.then(|| view! {
            <nav class="pager" aria-label="Audit log pages">
                {newest.map(|href| view! { <A href>"Newest"</A> })}
                {older.map(|href| view! { <A href>"Older"</A> })}
            </nav>
        })}
    }
}

/// One entry.
#[component]
fn AuditRow(entry: AuditEntryView) -> impl IntoView {
    let client = entry.client_uuid.map(|uuid| {
        view! {
            <A href=manage_path(&uuid)>
                <code>{uuid.clone()}</code>
            </A>
        }
    });
    let detail = serde_json::to_string(&entry.detail).unwrap_or_default();
    let environment = entry.environment.map(|e| e.parse::<Environment>().map_or(e, |env| env.label().to_owned()));
    view! {
        <tr>
            <td>
                <TimeLabel at=entry.at />
            </td>
            <td>{entry.actor}</td>
            <td>
                <code>{entry.action}</code>
            </td>
            <td>{client}</td>
            <td>{environment}</td>
            <td class="detail">
                <code>{detail}</code>
            </td>
        </tr>
    }
}
