//! What a page says after one of its forms was posted: with JavaScript, from the action's value;
//! without it, from the query of the page the server sent the browser back to.
//!
//! Errors travel in that query as stable codes, not as text: the page looks the words up again, so a
//! crafted link cannot make it say arbitrary things.

use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::{Lang, words::errors as w};

/// The query key of an error code after a form posted without JavaScript.
pub const ERROR_KEY: &str = "error";

/// The stable code of an error, safe to put in a URL.
pub fn error_code(err: &AppError) -> String {
    match err {
        AppError::Conflict { code, .. } => code.clone(),
        AppError::Validation { field, .. } => format!("invalid_{field}"),
        AppError::NotFound { .. } => "not_found".to_owned(),
        AppError::Forbidden => "forbidden".to_owned(),
        AppError::Unauthenticated => "unauthenticated".to_owned(),
        _ => "internal".to_owned(),
    }
}

/// The words for an error code found in the query; `None` for a code no form sends.
pub fn error_message(lang: Lang, code: &str) -> Option<String> {
    let words = match code {
        "not_found" => w::NOT_FOUND,
        "endpoint_disabled" => w::ENDPOINT_DISABLED,
        "not_subscribed" => w::NOT_SUBSCRIBED,
        "not_disabled" => w::NOT_DISABLED,
        "invalid_since" => w::INVALID_SINCE,
        "invalid_until" => w::INVALID_UNTIL,
        "forbidden" => return Some(lang.error(&AppError::Forbidden)),
        "unauthenticated" => return Some(lang.error(&AppError::Unauthenticated)),
        "internal" => return Some(lang.error(&AppError::Internal)),
        code if code.starts_with("invalid_") => w::INVALID_VALUE,
        _ => return None,
    };
    Some(lang.t(words).to_owned())
}

/// Ends a server function that a form calls. With JavaScript the outcome goes back to the page (an
/// error with its HTTP status). Posted without JavaScript, the browser is sent to `page` with the
/// outcome in the query: `success` says what to add on success, an error adds its code.
#[cfg(feature = "ssr")]
pub fn finish_form_post<T>(
    outcome: Result<T, AppError>,
    page: &str,
    success: impl FnOnce(&T) -> Vec<(&'static str, String)>,
) -> Result<T, AppError> {
    use super::filters::with_query;
    if !crate::auth::is_plain_form_post() {
        return outcome.map_err(crate::backend::respond_with);
    }
    let target = match &outcome {
        Ok(value) => with_query(page, &success(value)),
        Err(AppError::Unauthenticated) => "/login".to_owned(),
        Err(err) => with_query(page, &[(ERROR_KEY, error_code(err))]),
    };
    leptos_axum::redirect(&target);
    outcome
}

/// What came of a form: an error as an alert, or a success as a status message.
#[component]
pub fn FormNotice(
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(into)] success: Signal<Option<String>>,
) -> impl IntoView {
    move || match (error.get(), success.get()) {
        (Some(error), _) => view! { <p class="error" role="alert">{error}</p> }.into_any(),
        (None, Some(success)) => view! { <p class="notice" role="status">{success}</p> }.into_any(),
        (None, None) => ().into_any(),
    }
}
