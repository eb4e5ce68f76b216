//! rook-notify's dashboard: a Leptos app rendered on the server and hydrated in the browser, and the
//! shared vocabulary (`vocab`, `payload`; see docs/architecture.md) that the server, its API and its
//! engine use too.
//!
//! This crate knows no SQL and no HTTP client. With the `ssr` feature its server functions reach the
//! service layer through [`backend::Backend`], which the server provides; with `hydrate` it is the
//! browser's wasm module.

#![recursion_limit = "256"]

pub mod actions;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod components;
pub mod dto;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod payload;
pub mod query;
pub mod reasons;
pub mod timestamp;
pub mod vocab;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::auth::{Login, Logout};
use crate::components::layout::Shell;
use crate::pages::attention::AttentionPage;
use crate::pages::client::home::HomeRedirect;
use crate::pages::client::overview::ClientOverviewPage;
use crate::pages::guide::GuidePage;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFound;
use crate::pages::notifications::detail::NotificationPage;
use crate::pages::notifications::feed::FeedPage;
use crate::pages::settings::SettingsPage;
use crate::pages::staff::audit::AuditPage;
use crate::pages::staff::clients::list::ClientsPage;
use crate::pages::staff::clients::manage::ManageClientPage;
use crate::pages::staff::health::HealthPage;

/// The name of the wasm, JS and CSS files under `/pkg` (`output-name` in the leptos metadata, which
/// `cargo site` and cargo-leptos read).
pub const OUTPUT_NAME: &str = "rook_notify";

/// The whole HTML document, rendered on the server around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The browser reads the language back from `lang` when it hydrates (`i18n::initial_lang`).
    let lang = i18n::initial_lang();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The sign-in and sign-out actions, shared so that anything showing the viewer refreshes after them.
#[derive(Clone, Copy)]
pub struct SessionActions {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
}

/// The routes, path to page. Every page renders on the server once its data has loaded
/// (`SsrMode::Async`), so it reads the same with or without JavaScript.
macro_rules! pages {
    ($($path:tt => $page:ident),* $(,)?) => {
        view! {
            <Routes fallback=|| view! { <NotFound /> }>
                $(<Route path=path!($path) view=$page ssr=SsrMode::Async />)*
            </Routes>
        }
    };
}

/// The dashboard's root: routes and the layout around them.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(i18n::initial_lang());
    let actions = SessionActions { login: ServerAction::<Login>::new(), logout: ServerAction::<Logout>::new() };
    provide_context(actions);
    components::time_label::provide_clock();
    // Effects run only in the browser, after hydration: the mark tells people and tests that the page
    // is interactive now.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });

    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{OUTPUT_NAME}.css") />
        <Title text="rook-notify" />
        <Router>
            <Shell>
                {pages!(
                    "/login" => LoginPage,
                    "/guide" => GuidePage,
                    "/" => HomeRedirect,
                    "/clients/:client_uuid" => ClientOverviewPage,
                    "/clients/:client_uuid/notifications" => FeedPage,
                    "/clients/:client_uuid/attention" => AttentionPage,
                    "/clients/:client_uuid/settings" => SettingsPage,
                    "/notifications/:id" => NotificationPage,
                    "/staff/clients" => ClientsPage,
                    "/staff/clients/:client_uuid" => ManageClientPage,
                    "/staff/health" => HealthPage,
                    "/staff/audit" => AuditPage,
                )}
            </Shell>
        </Router>
    }
}

/// The browser's entry point: attaches the wasm app to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
