//! The frame around every page: the header with the product name, the navigation and the signed-in
//! person with a sign-out button.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::SessionActions;
use crate::auth::current_viewer;

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
                            view! {
                                <nav aria-label="Main">
                                    <A href="/">"Overview"</A>
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
