//! `/guide`: the receiver guide, public — a client's developers read it before they have an account.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::{use_lang, words::guide as w};
use crate::pages::settings::guide::ReceiverGuide;

/// The receiver guide on a page of its own, without signing in.
#[component]
pub fn GuidePage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=lang.title(w::PAGE_TITLE) />
        <h1>{lang.t(w::PAGE_HEADING)}</h1>
        <p class="lead">
            {lang.t(w::PAGE_LEAD_1)}
            {lang.t(w::PAGE_LEAD_2)}
            {lang.t(w::PAGE_LEAD_3)} <a href="/api/openapi.json">"/api/openapi.json"</a> "."
        </p>
        <ReceiverGuide />
    }
}
