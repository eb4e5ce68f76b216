//! `/clients/:client_uuid/settings`.

use leptos::prelude::*;

use super::api_keys::ApiKeys;
use super::environment::EnvironmentSettings;
use super::guide::ReceiverGuide;
use crate::components::client_nav::{ClientNav, ClientTab, use_client_uuid};
use crate::components::loaded::Loaded;
use crate::i18n::{use_lang, words::settings as w};
use crate::pages::client::client_profile;

/// The webhook settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let lang = use_lang();
    let client_uuid = use_client_uuid();
    let client = Resource::new(client_uuid, client_profile);

    view! {
        <Loaded content=move || async move {
            let client = client.await?;
            let environments = client
                .environments
                .into_iter()
                .map(|env| view! { <EnvironmentSettings client_uuid=client.client_uuid.clone() env /> })
                .collect_view();
            Ok(view! {
                <ClientNav client_uuid=client.client_uuid.clone() name=client.name current=ClientTab::Settings />
                <noscript>
                    <p class="note">
                        {lang.t(w::NEED_JS)}
                    </p>
                </noscript>
                {environments}
                <ApiKeys client_uuid=client.client_uuid.clone() />
                <ReceiverGuide />
            })
        } />
    }
}
