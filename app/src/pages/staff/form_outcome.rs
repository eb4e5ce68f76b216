//! What a staff form's submission came to, shown beside the form with or without JavaScript.
//!
//! With JavaScript the page reads a server function's answer from its action. Without it the browser
//! posts the form and is sent back to the page, and the answer would be lost; so a server function
//! answering a plain form post (`answer`, on the server) also leaves its outcome in a short-lived cookie
//! (HttpOnly, path `/staff`), which the next render of a staff page takes and clears
//! ([`previous_outcome`]). A new account's one-time password travels the same way: never in a URL,
//! never stored on the server. The service's own words (refusals, warnings) reach the page unchanged;
//! a cookie cannot be planted by another site, so a crafted link cannot make the page say anything.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dto::NewAccountCredentials;
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::i18n::words::{common, errors, staff as w};

/// What to show beside a form after it was submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Done; the sentence says what happened.
    Done(String),
    /// Saved, with things worth a second look.
    Warnings(Vec<String>),
    /// A new account's sign-in, shown once.
    Credentials(NewAccountCredentials),
    /// The server refused; the error's message says why.
    Refused(String),
}

/// An outcome and the form it belongs to (a key such as `settings:sandbox`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormOutcome {
    pub form: String,
    pub outcome: Outcome,
}

/// The outcome of a server function's answer: the error, or what `notice` makes of the answer.
pub fn outcome_of<T>(result: &Result<T, AppError>, notice: impl FnOnce(&T) -> Option<Outcome>) -> Option<Outcome> {
    match result {
        Ok(answer) => notice(answer),
        Err(err) => Some(Outcome::Refused(use_lang().error(err))),
    }
}

/// What to show beside a form: the outcome of its action's last run once it ran (`run`, the action's
/// value), before that the outcome a plain form post left for it (`previous`, see [`previous_for`]).
pub fn current_outcome<T>(
    run: Option<Result<T, AppError>>,
    notice: impl FnOnce(&T) -> Option<Outcome>,
    previous: Option<Outcome>,
) -> Option<Outcome> {
    match run {
        Some(result) => outcome_of(&result, notice),
        None => previous,
    }
}

/// The outcome a plain form post left for this page (without JavaScript), taken once.
///
/// The cookie is read while the page renders on the server; the browser receives the value with the
/// page's data, so hydration sees the same. A page reached by client-side navigation has none.
pub fn previous_outcome() -> Resource<Option<FormOutcome>> {
    let taken = take();
    Resource::new(|| (), move |_| std::future::ready(taken.clone()))
}

/// The previous outcome if it belongs to `form`.
pub fn previous_for(previous: &Option<FormOutcome>, form: &str) -> Option<Outcome> {
    previous.as_ref().filter(|p| p.form == form).map(|p| p.outcome.clone())
}

/// Shows an outcome: refusals in an alert, everything else in a status message.
#[component]
pub fn OutcomeNote(#[prop(into)] outcome: Signal<Option<Outcome>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        outcome.get().map(|outcome| match outcome {
            Outcome::Done(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
            Outcome::Warnings(warnings) => view! {
                <div class="warning" role="status">
                    <p>{lang.t(w::SAVED_WARNING)}</p>
                    <ul>{warnings.into_iter().map(|w| view! { <li>{errors::warning(lang, &w)}</li> }).collect_view()}</ul>
                </div>
            }
            .into_any(),
            Outcome::Credentials(new) => view! {
                <div class="notice credentials" role="status">
                    <p>
                        {lang.t(w::ACCOUNT_CREATED)}
                        <strong>{lang.t(w::PASSWORD_ONCE)}</strong>
                    </p>
                    <dl>
                        <dt>{lang.t(common::EMAIL)}</dt>
                        <dd>{new.email}</dd>
                        <dt>{lang.t(common::PASSWORD)}</dt>
                        <dd>
                            <code class="secret">{new.password}</code>
                        </dd>
                    </dl>
                </div>
            }
            .into_any(),
            Outcome::Refused(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        })
    }
}

/// After each successful run of `action`, resets `form` to what the page shows as stored: text typed
/// over a saved value gives way to it, write-only fields empty, boxes untick. (The page updates its
/// views in place, so without this a form keeps whatever was typed.) After a refusal the typed
/// values stay, to be corrected.
pub fn reset_after_success<S>(action: ServerAction<S>, form: NodeRef<leptos::html::Form>)
where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    after_success(action, move || {
        if let Some(form) = form.get_untracked() {
            form.reset();
        }
    });
}

/// Runs `then` after each successful run of `action` (in the browser; nothing runs on the server).
pub fn after_success<S>(action: ServerAction<S>, then: impl Fn() + 'static)
where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    Effect::new(move |seen: Option<usize>| {
        let version = action.version().get();
        let succeeded = action.value().with_untracked(|run| matches!(run, Some(Ok(_))));
        if seen.is_some_and(|seen| seen != version) && succeeded {
            then();
        }
        version
    });
}

/// Answers a server function's caller: the hydrated page gets the result with the error's HTTP
/// status; a plain form post is sent back to its page (the path of its `Referer`; a server function
/// may redirect elsewhere after this) with the outcome left in the cookie for that page to show.
#[cfg(feature = "ssr")]
pub fn answer<T>(
    form: &str,
    result: Result<T, AppError>,
    notice: impl FnOnce(&T) -> Option<Outcome>,
) -> Result<T, AppError> {
    if !crate::auth::is_plain_form_post() {
        return result.map_err(crate::backend::respond_with);
    }
    // The error keeps its default status: the redirect below is what the browser follows. (Left to
    // itself, the server function framework would add the error to the page's URL.)
    if let Some(outcome) = outcome_of(&result, notice) {
        leave(&FormOutcome { form: form.to_owned(), outcome });
    }
    leptos_axum::redirect(&referring_page());
    result
}

/// The path and query of the page a form was posted from; `/staff/clients` when unknown. Never
/// another site's address: only the path of the `Referer` is used.
#[cfg(feature = "ssr")]
fn referring_page() -> String {
    let referer = use_context::<http::request::Parts>()
        .and_then(|parts| parts.headers.get(http::header::REFERER)?.to_str().ok().map(str::to_owned));
    let path =
        referer.as_deref().and_then(|r| r.split_once("://")).and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]));
    match path {
        // `//host/…` would leave the site.
        Some(path) if !path.starts_with("//") => path.to_owned(),
        _ => "/staff/clients".to_owned(),
    }
}

/// The cookie carrying an outcome across the redirect.
#[cfg(feature = "ssr")]
const COOKIE: &str = "rook_notify_outcome";
/// How long an outcome waits for its page.
#[cfg(feature = "ssr")]
const COOKIE_MAX_AGE_SECS: u32 = 120;

#[cfg(feature = "ssr")]
fn leave(outcome: &FormOutcome) {
    let Ok(json) = serde_json::to_vec(outcome) else { return };
    set_cookie(&hex::encode(&json), COOKIE_MAX_AGE_SECS);
}

#[cfg(feature = "ssr")]
fn take() -> Option<FormOutcome> {
    let parts = use_context::<http::request::Parts>()?;
    let value = parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))?
        .to_owned();
    set_cookie("", 0);
    serde_json::from_slice(&hex::decode(&value)?).ok()
}

#[cfg(not(feature = "ssr"))]
fn take() -> Option<FormOutcome> {
    None
}

/// Sets (or with `max_age` 0, removes) the outcome cookie on the response. `Secure` when the page was
/// reached over https (the request's `Origin` or `Referer` says so).
#[cfg(feature = "ssr")]
fn set_cookie(value: &str, max_age: u32) {
    let Some(res) = use_context::<leptos_axum::ResponseOptions>() else { return };
    let https = use_context::<http::request::Parts>().is_some_and(|parts| {
        [http::header::ORIGIN, http::header::REFERER].iter().any(|name| {
            parts.headers.get(name).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("https://"))
        })
    });
    let secure = if https { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}={value}; Path=/staff; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    if let Ok(header) = http::HeaderValue::from_str(&cookie) {
        res.append_header(http::header::SET_COOKIE, header);
    }
}

/// Cookie values allow few characters: the outcome's JSON travels as hexadecimal.
#[cfg(feature = "ssr")]
mod hex {
    /// Lowercase hexadecimal of `bytes`.
    pub fn encode(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The bytes of a hexadecimal string, or `None` when it is not one.
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        if !text.len().is_multiple_of(2) {
            return None;
        }
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn hex_round_trips_and_refuses_garbage() {
            let bytes = "{\"form\":\"é\"}".as_bytes();
            assert_eq!(super::decode(&super::encode(bytes)).as_deref(), Some(bytes));
            assert_eq!(super::decode("abc"), None);
            assert_eq!(super::decode("zz"), None);
        }
    }
}
