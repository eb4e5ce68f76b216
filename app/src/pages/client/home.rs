//! `/`: sends each person to their home page.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::auth::current_viewer;
use crate::components::client_nav::ClientTab;
use crate::components::load_error::LoadError;

/// A client account goes to its client's overview, staff to the list of clients, anyone signed out
/// to the login page.
#[component]
pub fn HomeRedirect() -> impl IntoView {
    let viewer = Resource::new(|| (), |_| current_viewer());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(viewer)) => {
                        let path = match viewer.client_uuid {
                            Some(client_uuid) if !viewer.is_staff() => ClientTab::Overview.href(&client_uuid),
                            _ => "/staff/clients".to_owned(),
                        };
                        view! { <Redirect path /> }.into_any()
                    }
                    Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(err) => view! { <LoadError err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
