//! The page for a URL that matches no route.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{use_lang, words::common as w};

/// Says the page does not exist, with a way back, and answers 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    let lang = use_lang();
    view! {
        <section class="panel">
            <h1>{lang.t(w::NOT_FOUND_TITLE)}</h1>
            <p>{lang.t(w::NOT_FOUND_TEXT)} <A href="/">{lang.t(w::NOT_FOUND_BACK)}</A></p>
        </section>
    }
}
