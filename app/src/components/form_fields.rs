//! Fields that many of the dashboard's forms post.

use leptos::prelude::*;

use crate::vocab::Environment;

/// Which environment of which client a form acts on, as the hidden fields `client_uuid` and
/// `environment` that the server functions take.
#[component]
pub fn EnvironmentFields(#[prop(into)] client_uuid: String, environment: Environment) -> impl IntoView {
    view! {
        <input type="hidden" name="client_uuid" value=client_uuid />
        <input type="hidden" name="environment" value=environment.as_str() />
    }
}
