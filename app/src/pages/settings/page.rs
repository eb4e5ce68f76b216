//! `/clients/:client_uuid/settings`.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::environment::EnvironmentSettings;
use super::guide::ReceiverGuide;
use crate::components::client_nav::{ClientNav, ClientTab};
use crate::components::load_error::LoadError;
use crate::pages::client::client_profile;

/// The webhook settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let params = use_params_map();
    let client_uuid = move || params.read().get("client_uuid").unwrap_or_default();
    let client = Resource::new(client_uuid, client_profile);

    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match client.await {
                    Ok(client) => {
                        let client_uuid = client.client_uuid.clone();
                        let environments = client
                            .environments
                            .into_iter()
                            .map(|env| view! { <EnvironmentSettings client_uuid=client_uuid.clone() env /> })
                            .collect_view();
                        view! {
                            <ClientNav
                                client_uuid=client.client_uuid.clone()
                                name=client.name
                                current=ClientTab::Settings
                            />
                            <noscript>
                                <p class="note">
                                    "Revealing and rotating secrets and sending test notifications need JavaScript."
                                </p>
                            </noscript>
                            {environments}
                            <ReceiverGuide />
                        }
                            .into_any()
                    }
                    Err(err) => view! { <LoadError err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
