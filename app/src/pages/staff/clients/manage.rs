//! Managing one client (staff): both environments' subscriptions and settings, and its dashboard
//! accounts.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use super::accounts::{AccountsPanel, StaffCreateClientAccount};
use super::environment::{EnvironmentActions, EnvironmentSettingsPanel};
use crate::components::client_nav::use_client_uuid;
use crate::components::loaded::Loaded;
use crate::dto::{AccountView, ClientView};
use crate::error::AppError;
use crate::i18n::{use_lang, words::staff as w};
use crate::pages::staff::form_outcome::{FormOutcome, previous_outcome};
use crate::vocab::Environment;

/// What the page shows: the client with both environments, and its accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedClient {
    pub client: ClientView,
    pub accounts: Vec<AccountView>,
}

/// A client's settings and accounts (staff).
#[server(prefix = "/fn", endpoint = "staff_client")]
pub async fn staff_client(client_uuid: String) -> Result<ManagedClient, AppError> {
    use crate::backend::{require_viewer, respond_with};
    let (backend, viewer) = require_viewer().await.map_err(respond_with)?;
    let accounts = backend.client_accounts(&viewer, client_uuid.clone()).await.map_err(respond_with)?;
    let client = backend.client_view(&viewer, client_uuid).await.map_err(respond_with)?;
    Ok(ManagedClient { client, accounts })
}

/// The page at `/staff/clients/:client_uuid`.
#[component]
pub fn ManageClientPage() -> impl IntoView {
    let client_uuid = use_client_uuid();
    let sandbox = EnvironmentActions::new();
    let production = EnvironmentActions::new();
    let create_account = ServerAction::<StaffCreateClientAccount>::new();
    let data = Resource::new(
        move || (client_uuid(), sandbox.version() + production.version() + create_account.version().get()),
        |(uuid, _)| staff_client(uuid),
    );
    let previous = previous_outcome();
    let actions_of = move |env: Environment| match env {
        Environment::Sandbox => sandbox,
        Environment::Production => production,
    };

    view! {
        <Loaded
            keep_shown=true
            content=move || async move {
                let previous = previous.await;
                let managed = data.await?;
                Ok(view! { <ManagedClientView managed actions_of create_account previous /> })
            }
        />
    }
}

/// The client's heading, both environments and the accounts.
#[component]
fn ManagedClientView(
    managed: ManagedClient,
    actions_of: impl Fn(Environment) -> EnvironmentActions + 'static,
    create_account: ServerAction<StaffCreateClientAccount>,
    previous: Option<FormOutcome>,
) -> impl IntoView {
    let lang = use_lang();
    let ManagedClient { client, accounts } = managed;
    let uuid = client.client_uuid.clone();
    let environments = client
        .environments
        .into_iter()
        .map(|env| {
            let actions = actions_of(env.environment);
            view! {
                <EnvironmentSettingsPanel
                    client_uuid=uuid.clone()
                    client_name=client.name.clone()
                    env
                    actions
                    previous=previous.clone()
                />
            }
        })
        .collect_view();
    view! {
        <Title text=format!("{} · rook-notify", client.name) />
        <p class="breadcrumb">
            <A href="/staff/clients">{lang.t(w::ALL_CLIENTS)}</A>
        </p>
        <h1>{client.name.clone()}</h1>
        <p class="uuid">
            {lang.t(w::CLIENT_UUID_LEAD)} <code>{client.client_uuid.clone()}</code> " · "
            <A href=format!("/clients/{}", client.client_uuid)>{lang.t(w::CLIENT_PAGES)}</A>
            {lang.t(w::CLIENT_PAGES_WHAT)}
        </p>
        <div class="environment-panels">{environments}</div>
        <AccountsPanel client_uuid=uuid.clone() accounts action=create_account previous />
    }
}
