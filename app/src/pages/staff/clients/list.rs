//! The staff's list of clients: search by name or client UUID (a GET form, filtering as they type
//! when JavaScript runs), both environments' states, and a form to create a client.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use super::manage_path;
use crate::components::data_table::DataTable;
use crate::components::loaded::Loaded;
use crate::components::state_badge::StateBadge;
use crate::components::time_label::TimeLabel;
use crate::dto::{ClientQuery, ClientView, EnvironmentView};
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::i18n::words::{parts, staff as w, vocab};
use crate::pages::staff::StaffOnly;
use crate::pages::staff::form_outcome::{FormOutcome, OutcomeNote, current_outcome, previous_for, previous_outcome};
use crate::query::from_params;
use crate::timestamp::Timestamp;
use crate::vocab::Environment;

/// The form key of "New client".
const CREATE_CLIENT_FORM: &str = "create-client";

/// Clients whose name contains `q` or whose UUID starts with it (all when empty), by name (staff).
#[server(prefix = "/fn", endpoint = "staff_clients")]
pub async fn staff_clients(#[server(default)] q: Option<String>) -> Result<Vec<ClientView>, AppError> {
    use crate::backend::{as_viewer, respond_with};
    let search = q.filter(|q| !q.trim().is_empty());
    as_viewer(|backend, viewer| async move { backend.search_clients(&viewer, search).await })
        .await
        .map_err(respond_with)
}

/// Creates a client (staff), with ROOK's client UUID when it has one, and goes to its page.
#[server(prefix = "/fn", endpoint = "staff_create_client")]
pub async fn staff_create_client(
    name: String,
    #[server(default)] client_uuid: Option<String>,
) -> Result<ClientView, AppError> {
    use crate::backend::as_viewer;
    use crate::pages::staff::form_outcome::answer;
    let result = as_viewer(|backend, viewer| async move {
        // An empty field means "make one up".
        let client_uuid = client_uuid.filter(|u| !u.trim().is_empty());
        backend.create_client(&viewer, name, client_uuid).await
    })
    .await;
    let result = answer(CREATE_CLIENT_FORM, result, |_| None);
    if let Ok(client) = &result {
        leptos_axum::redirect(&manage_path(&client.client_uuid));
    }
    result
}

/// Every client (or those matching `?q=`), and a form to create one.
#[component]
pub fn ClientsPage() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let search = move || from_params::<ClientQuery>(&query.read());
    let clients = Resource::new(search, |search| async move { staff_clients(search?.q).await });
    let create = ServerAction::<StaffCreateClient>::new();
    let previous = previous_outcome();

    let navigate = use_navigate();
    let filter_as_typed = Callback::new(move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let query = if text.trim().is_empty() { ParamsMap::new() } else { ParamsMap::from_iter([("q", text)]) };
        let options = NavigateOptions { replace: true, scroll: false, ..Default::default() };
        navigate(&format!("/staff/clients{}", query.to_query_string()), options);
    });

    view! {
        <Title text=lang.title(w::CLIENTS) />
        <h1>{lang.t(w::CLIENTS)}</h1>
        <StaffOnly>
        <Form method="GET" action="/staff/clients" attr:class="toolbar" attr:role="search">
            <label for="client-filter">{lang.t(w::FILTER_CLIENTS)}</label>
            <input
                id="client-filter"
                type="search"
                name="q"
                placeholder=lang.t(w::NAME_OR_UUID)
                autocomplete="off"
                value=query.read_untracked().get("q").unwrap_or_default()
                on:input=move |ev| filter_as_typed.run(ev)
            />
            <button type="submit">{lang.t(w::SEARCH)}</button>
        </Form>
        </StaffOnly>
        <Loaded
            keep_shown=true
            content=move || async move {
                let previous = previous.await;
                let list = clients.await?;
                Ok(view! {
                    <ClientTable list />
                    <NewClientForm create previous />
                })
            }
        />
    }
}

/// Creating a client: its name, and ROOK's UUID for it when it already has one.
#[component]
fn NewClientForm(create: ServerAction<StaffCreateClient>, previous: Option<FormOutcome>) -> impl IntoView {
    let note = Signal::derive(move || {
        current_outcome(create.value().get(), |_| None, previous_for(&previous, CREATE_CLIENT_FORM))
    });
    let lang = use_lang();
    view! {
        <section class="panel new-client" aria-labelledby="new-client-heading">
            <h2 id="new-client-heading">{lang.t(w::NEW_CLIENT)}</h2>
            <ActionForm action=create attr:class="stack">
                <label for="new-client-name">{lang.t(w::CLIENT_NAME)}</label>
                <input id="new-client-name" type="text" name="name" required maxlength="200" autocomplete="off" />
                <label for="new-client-uuid">{lang.t(w::CLIENT_UUID_OPTIONAL)}</label>
                <input
                    id="new-client-uuid"
                    type="text"
                    name="client_uuid"
                    autocomplete="off"
                    aria-describedby="new-client-uuid-hint"
                />
                <p class="hint" id="new-client-uuid-hint">
                    {lang.t(w::UUID_HINT)}
                </p>
                <button type="submit" disabled=move || create.pending().get()>
                    {lang.t(w::CREATE_CLIENT)}
                </button>
            </ActionForm>
            <OutcomeNote outcome=note />
        </section>
    }
}

/// The clients as a table: name, UUID, both environments' states, and where to go next.
#[component]
fn ClientTable(list: Vec<ClientView>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <DataTable
            class="data clients-table"
            caption=lang.t(w::CLIENTS)
            columns=&[w::COL_NAME, w::COL_UUID, vocab::ENV_SANDBOX, vocab::ENV_PRODUCTION]
            unseen_column=w::COL_PAGES
            items=list
            row=|client| view! { <ClientRow client /> }
            empty=lang.t(w::NO_CLIENT)
        />
    }
}

/// One client's row.
#[component]
fn ClientRow(client: ClientView) -> impl IntoView {
    let state = |env: Environment| {
        let view = client.environments.iter().find(|e| e.environment == env).cloned();
        view! {
            <td>
                {view.map(|e: EnvironmentView| view! {
                    <StateBadge state=e.subscription.state reason=e.subscription.disabled_reason />
                    <Failing failures=e.consecutive_failures since=e.failing_since />
                })}
            </td>
        }
    };
    let (sandbox, production) = (state(Environment::Sandbox), state(Environment::Production));
    let name = client.name;
    let (manage_name, pages_name) = (name.clone(), name.clone());
    let lang = use_lang();
    view! {
        <tr>
            <th scope="row">{name}</th>
            <td>
                <code>{client.client_uuid.clone()}</code>
            </td>
            {sandbox}
            {production}
            <td class="links">
                <A href=manage_path(&client.client_uuid)>
                    {lang.t(w::MANAGE)} <span class="visually-hidden">" " {manage_name}</span>
                </A>
                <A href=format!("/clients/{}", client.client_uuid)>
                    {lang.t(w::CLIENT_PAGES)} <span class="visually-hidden">{lang.t(w::OF)} {pages_name}</span>
                </A>
            </td>
        </tr>
    }
}

/// An endpoint whose last attempts failed: how many in a row, since when (nothing when the last one
/// succeeded).
#[component]
fn Failing(failures: u32, since: Option<Timestamp>) -> impl IntoView {
    (failures > 0).then(|| {
        let lang = use_lang();
        let attempts = lang.count_of(u64::from(failures), parts::ATTEMPTS_IN_A_ROW);
        view! {
            <span class="failing">
                {attempts}
                {since.map(|at| view! { {lang.t(w::SINCE_COMMA)} <TimeLabel at /> })}
            </span>
        }
    })
}
