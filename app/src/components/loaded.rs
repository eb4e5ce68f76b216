//! A page's data: "Loading…" while it comes, then the page, or what went wrong.

use std::future::Future;

use leptos::prelude::*;

use super::load_error::LoadError;
use crate::error::AppError;

/// Shows what `content` makes of the page's data once it has loaded (it awaits the page's
/// resources), or the error as [`LoadError`] shows it. With `keep_shown` a page stays on screen
/// while its data reloads after one of its forms; otherwise "Loading…" stands in for it meanwhile.
#[component]
pub fn Loaded<F, Fut, V>(#[prop(optional)] keep_shown: bool, content: F) -> impl IntoView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<V, AppError>> + Send + 'static,
    V: IntoView + Send + 'static,
{
    let page = move || {
        let loading = content();
        Suspend::new(async move {
            match loading.await {
                Ok(page) => page.into_any(),
                Err(err) => view! { <LoadError err /> }.into_any(),
            }
        })
    };
    let loading = crate::i18n::use_lang().t(crate::i18n::words::parts::LOADING);
    let fallback = move || view! { <p>{loading}</p> };
    if keep_shown {
        view! { <Transition fallback>{page}</Transition> }.into_any()
    } else {
        view! { <Suspense fallback>{page}</Suspense> }.into_any()
    }
}
