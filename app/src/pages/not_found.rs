//! The page for a URL that matches no route.

use leptos::prelude::*;
use leptos_router::components::A;

/// Says the page does not exist, with a way back, and answers 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="panel">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <A href="/">"Back to the overview"</A></p>
        </section>
    }
}
