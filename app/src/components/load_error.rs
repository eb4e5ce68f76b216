//! What a page shows when its data could not be loaded.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::error::AppError;

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
    view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any()
}
