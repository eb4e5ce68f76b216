//! The frame around every page: the header with the product name, the navigation (the staff pages
//! for staff, the own client's pages for a client account) and the signed-in person with a sign-out
//! button.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::SessionActions;
use crate::auth::current_viewer;
use crate::components::client_nav::ClientTab;
use crate::dto::Viewer;

/// Wraps the page in the header and main landmarks.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let actions = expect_context::<SessionActions>();
    let viewer =
        Resource::new(move || (actions.login.version().get(), actions.logout.version().get()), |_| current_viewer());

    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">"rook-notify"</A>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match viewer.await {
                        Ok(Some(v)) => {
                            let role = if v.is_staff() { "ROOK staff" } else { "Client" };
                            // A client's main navigation is its client tabs: a phone shows it once
                            // (style/main.css hides the page's own tabs beside it).
                            let links_class = (!v.is_staff()).then_some("client-pages");
                            view! {
                                <nav aria-label="Main" class=links_class>
                                    {main_links(&v)
                                        .into_iter()
                                        .map(|(href, text, exact)| view! { <A href exact>{text}</A> })
                                        .collect_view()}
                                </nav>
                                <div class="whoami">
                                    <span class="email">{v.email.clone()}</span>
                                    <span class="role">{role}</span>
                                    <ActionForm action=actions.logout>
                                        <button type="submit" class="link">"Sign out"</button>
                                    </ActionForm>
                                </div>
                            }
                                .into_any()
                        }
                        _ => ().into_any(),
                    }
                })}
            </Suspense>
        </header>
        <main id="main">{children()}</main>
    }
}

/// The main navigation of a viewer as (path, text, whether only the exact path marks it current): the
/// staff pages for staff, the own client's pages for a client account.
fn main_links(viewer: &Viewer) -> Vec<(String, &'static str, bool)> {
    if viewer.is_staff() {
        return [("/staff/clients", "Clients"), ("/staff/health", "Delivery health"), ("/staff/audit", "Audit log")]
            .into_iter()
            .map(|(href, text)| (href.to_owned(), text, false))
            .collect();
    }
    let Some(client_uuid) = &viewer.client_uuid else { return Vec::new() };
    // The overview's path begins every other client page's: only the exact path is "current".
    ClientTab::ALL.into_iter().map(|tab| (tab.href(client_uuid), tab.label(), tab == ClientTab::Overview)).collect()
}
