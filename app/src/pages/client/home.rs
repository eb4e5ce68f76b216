//! `/`: sends each person to their home page.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::auth::current_viewer;
use crate::components::client_nav::ClientTab;
use crate::components::loaded::Loaded;

/// A client account goes to its client's overview, staff to the list of clients, anyone signed out
/// to the login page.
#[component]
pub fn HomeRedirect() -> impl IntoView {
    let viewer = Resource::new(|| (), |_| current_viewer());
    view! {
        <Loaded content=move || async move {
            let path = match viewer.await? {
                Some(viewer) => match viewer.client_uuid {
                    Some(client_uuid) if !viewer.is_staff() => ClientTab::Overview.href(&client_uuid),
                    _ => "/staff/clients".to_owned(),
                },
                None => "/login".to_owned(),
            };
            Ok(view! { <Redirect path /> })
        } />
    }
}
