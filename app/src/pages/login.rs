//! The sign-in page.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::SessionActions;
use crate::auth::login_error_message;

/// Email and password; the error of the last attempt, whether it came back to the hydrated form or
/// (without JavaScript) through the page's query.
#[component]
pub fn LoginPage() -> impl IntoView {
    let actions = expect_context::<SessionActions>();
    let login = actions.login;
    let query = use_query_map();
    let error = move || match login.value().get() {
        Some(Err(err)) => Some(err.to_string()),
        Some(Ok(())) => None,
        None => query.read().get("error").and_then(|code| login_error_message(&code)),
    };

    view! {
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <ActionForm action=login attr:class="stack">
                <label for="email">"Email"</label>
                <input id="email" type="email" name="email" autocomplete="username" required />
                <label for="password">"Password"</label>
                <input id="password" type="password" name="password" autocomplete="current-password" required />
                <button type="submit" disabled=move || login.pending().get()>"Sign in"</button>
            </ActionForm>
            <Show when=move || error().is_some()>
                <p class="error" role="alert">{error}</p>
            </Show>
            <p class="note">
                "Building a receiver? Read the " <a href="/guide">"receiver guide"</a> " — no account needed."
            </p>
        </section>
    }
}
