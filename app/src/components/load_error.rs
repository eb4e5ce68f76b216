//! What a page shows when its data could not be loaded.

use leptos::prelude::*;
use leptos_router::components::{A, Redirect};

use crate::error::AppError;
use crate::i18n::{use_lang, words::parts as w};

/// Sends a signed-out person to the login page; otherwise says what went wrong in an alert (the
/// error's own words, never internal details), answering 404 for something not found.
#[component]
pub fn LoadError(err: AppError) -> impl IntoView {
    if err == AppError::Unauthenticated {
        return view! { <Redirect path="/login" /> }.into_any();
    }
    #[cfg(feature = "ssr")]
    if matches!(err, AppError::NotFound { .. })
        && let Some(res) = use_context::<leptos_axum::ResponseOptions>()
    {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    // Something missing or not this viewer's is a dead end otherwise: offer the way back.
    let lang = use_lang();
    let back = matches!(err, AppError::NotFound { .. } | AppError::Forbidden)
        .then(|| view! { <p><A href="/">{lang.t(w::BACK_TO_OVERVIEW)}</A></p> });
    view! {
        <p class="error" role="alert">{lang.error(&err)}</p>
        {back}
    }
    .into_any()
}
