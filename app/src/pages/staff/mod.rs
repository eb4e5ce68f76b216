//! The pages for ROOK staff: every client, one client's settings and accounts, delivery health and the
//! audit log. Their server functions ask the service layer for what only staff may see or do; it
//! refuses anyone else, and the page then says so ("You are not allowed to do that.").

pub mod audit;
pub mod clients;
pub mod form_outcome;
pub mod health;

use leptos::prelude::*;

/// Renders its children for staff only: a client account that reaches a staff page sees the refusal
/// alone, not the staff's controls above it. (The refusal itself comes from the server, which checks
/// every call; this only keeps the page honest.)
#[component]
pub fn StaffOnly(children: ChildrenFn) -> impl IntoView {
    let viewer = Resource::new(|| (), |()| crate::auth::current_viewer());
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    let staff = matches!(viewer.await, Ok(Some(v)) if v.is_staff());
                    staff.then(|| children())
                })
            }}
        </Suspense>
    }
}
