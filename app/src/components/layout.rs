//! The frame around every page: the header with the product name, the navigation (the staff pages
//! for staff, the own client's pages for a client account) and the signed-in person with a sign-out
//! button.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::SessionActions;
use crate::auth::current_viewer;
use crate::components::client_nav::ClientTab;
use crate::components::filters::url_escape;
use crate::dto::Viewer;
use crate::i18n::{Lang, use_lang, words::common as w};

/// The top bar's navigation, by whose pages it lists (style/main.css, phone: one navigation).
const CLIENT_PAGES: &str = "client-pages";
const STAFF_PAGES: &str = "staff-pages";

/// Wraps the page in the header and main landmarks.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let actions = expect_context::<SessionActions>();
    let lang = use_lang();
    let viewer =
        Resource::new(move || (actions.login.version().get(), actions.logout.version().get()), |_| current_viewer());

    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">"rook-notify"</A>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match viewer.await {
                        Ok(Some(v)) => {
                            let role = lang.t(if v.is_staff() { w::ROOK_STAFF } else { w::CLIENT });
                            // A client's main navigation is its client tabs: a phone shows it once
                            // (style/main.css hides the page's own tabs beside it). On a client's
                            // pages a phone shows staff that client's tabs alone (the brand leads
                            // back to the staff pages).
                            let links_class = if v.is_staff() { STAFF_PAGES } else { CLIENT_PAGES };
                            view! {
                                <nav aria-label=lang.t(w::NAV_MAIN) class=links_class>
                                    {main_links(&v, lang)
                                        .into_iter()
                                        .map(|(href, text, exact)| view! { <A href exact>{text}</A> })
                                        .collect_view()}
                                </nav>
                                <div class="whoami">
                                    <span class="email">{v.email.clone()}</span>
                                    <span class="role">{role}</span>
                                    <ActionForm action=actions.logout>
                                        <button type="submit" class="link">{lang.t(w::SIGN_OUT)}</button>
                                    </ActionForm>
                                </div>
                            }
                                .into_any()
                        }
                        _ => ().into_any(),
                    }
                })}
            </Suspense>
            <LanguageSwitch lang />
        </header>
        <main id="main">{children()}</main>
    }
}

/// The main navigation of a viewer as (path, text, whether only the exact path marks it current): the
/// staff pages for staff, the own client's pages for a client account.
fn main_links(viewer: &Viewer, lang: Lang) -> Vec<(String, &'static str, bool)> {
    if viewer.is_staff() {
        return [("/staff/clients", w::NAV_CLIENTS), ("/staff/health", w::NAV_HEALTH), ("/staff/audit", w::NAV_AUDIT)]
            .into_iter()
            .map(|(href, text)| (href.to_owned(), lang.t(text), false))
            .collect();
    }
    let Some(client_uuid) = &viewer.client_uuid else { return Vec::new() };
    // The overview's path begins every other client page's: only the exact path is "current".
    ClientTab::ALL
        .into_iter()
        .map(|tab| (tab.href(client_uuid), lang.t(tab.label()), tab == ClientTab::Overview))
        .collect()
}

/// English / Español: plain links to the server's `/lang` route, which remembers the choice in a
/// cookie and comes back to this page, so the switch works without JavaScript. `rel="external"` makes
/// the router leave the click to the browser: the whole page must be rendered again in the new language.
#[component]
fn LanguageSwitch(lang: Lang) -> impl IntoView {
    let location = use_location();
    let links = Lang::ALL
        .into_iter()
        .map(|to| {
            let href = move || {
                // The router's `search` comes without its `?`.
                let search = location.search.get();
                let query = if search.is_empty() { String::new() } else { format!("?{search}") };
                let back = format!("{}{query}", location.pathname.get());
                format!("/lang?to={}&back={}", to.code(), url_escape(&back))
            };
            let current = (to == lang).then_some("true");
            view! {
                <a href=href rel="external" hreflang=to.code() lang=to.code() aria-current=current>
                    {to.own_name()}
                </a>
            }
        })
        .collect_view();
    view! {
        <nav class="language" aria-label=lang.t(w::NAV_LANGUAGE)>
            {links}
        </nav>
    }
}
