//! The heading and tabs at the top of every page about one client.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::filters::url_escape;
use crate::i18n::{Msg, use_lang, words::common as w};

/// The pages about one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientTab {
    Overview,
    Notifications,
    Attention,
    Settings,
}

impl ClientTab {
    /// Every tab, in the order shown.
    pub const ALL: [ClientTab; 4] =
        [ClientTab::Overview, ClientTab::Notifications, ClientTab::Attention, ClientTab::Settings];

    /// The tab's name.
    pub const fn label(self) -> Msg {
        match self {
            ClientTab::Overview => w::TAB_OVERVIEW,
            ClientTab::Notifications => w::TAB_NOTIFICATIONS,
            ClientTab::Attention => w::TAB_ATTENTION,
            ClientTab::Settings => w::TAB_SETTINGS,
        }
    }

    /// The tab's page for a client.
    pub fn href(self, client_uuid: &str) -> String {
        let client_uuid = url_escape(client_uuid);
        match self {
            ClientTab::Overview => format!("/clients/{client_uuid}"),
            ClientTab::Notifications => format!("/clients/{client_uuid}/notifications"),
            ClientTab::Attention => format!("/clients/{client_uuid}/attention"),
            ClientTab::Settings => format!("/clients/{client_uuid}/settings"),
        }
    }
}

/// The client a page is about: the `:client_uuid` of its path (`/clients/:client_uuid/…`,
/// `/staff/clients/:client_uuid`), read whenever the path changes.
pub fn use_client_uuid() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("client_uuid").unwrap_or_default()
}

/// The client's name as the page's heading, and the tabs, the current one (if the page is one of
/// them) marked.
#[component]
pub fn ClientNav(client_uuid: String, name: String, #[prop(optional)] current: Option<ClientTab>) -> impl IntoView {
    let lang = use_lang();
    let tabs = ClientTab::ALL
        .into_iter()
        .map(|tab| {
            let here = (Some(tab) == current).then_some("page");
            view! {
                <a href=tab.href(&client_uuid) aria-current=here>
                    {lang.t(tab.label())}
                </a>
            }
        })
        .collect_view();
    view! {
        <header class="client-header">
            <h1>{name}</h1>
            <nav class="tabs" aria-label=lang.t(w::NAV_CLIENT)>
                {tabs}
            </nav>
        </header>
    }
}
