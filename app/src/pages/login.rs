//! The sign-in page.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::SessionActions;
use crate::auth::login_error_message;
use crate::i18n::{use_lang, words::common as w};

/// Email and password; the error of the last attempt, whether it came back to the hydrated form or
/// (without JavaScript) through the page's query.
#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = use_lang();
    let actions = expect_context::<SessionActions>();
    let login = actions.login;
    let query = use_query_map();
    let error = move || match login.value().get() {
        Some(Err(err)) => Some(lang.error(&err)),
        Some(Ok(())) => None,
        None => query.read().get("error").and_then(|code| login_error_message(lang, &code)),
    };

    view! {
        <section class="panel narrow">
            <h1>{lang.t(w::SIGN_IN)}</h1>
            <ActionForm action=login attr:class="stack">
                <label for="email">{lang.t(w::EMAIL)}</label>
                <input id="email" type="email" name="email" autocomplete="username" required />
                <label for="password">{lang.t(w::PASSWORD)}</label>
                <input id="password" type="password" name="password" autocomplete="current-password" required />
                <button type="submit" disabled=move || login.pending().get()>{lang.t(w::SIGN_IN)}</button>
            </ActionForm>
            <Show when=move || error().is_some()>
                <p class="error" role="alert">{error}</p>
            </Show>
            <p class="note">
                {lang.t(w::LOGIN_GUIDE_BEFORE)} <a href="/guide">{lang.t(w::LOGIN_GUIDE_LINK)}</a>
                {lang.t(w::LOGIN_GUIDE_AFTER)}
            </p>
        </section>
    }
}
