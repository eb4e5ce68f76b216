//! `/guide`: the receiver guide, public — a client's developers read it before they have an account.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::pages::settings::guide::ReceiverGuide;

/// The receiver guide on a page of its own, without signing in.
#[component]
pub fn GuidePage() -> impl IntoView {
    view! {
        <Title text="Receiver guide · rook-notify" />
        <h1>"Receiving ROOK notifications"</h1>
        <p class="lead">
            "How ROOK's Notification Webhook calls your receiver, what every notification looks like, and "
            "how to verify that a request comes from ROOK. The OpenAPI document of the HTTP API, with these "
            "payloads as webhooks, is at " <a href="/api/openapi.json">"/api/openapi.json"</a> "."
        </p>
        <ReceiverGuide />
    }
}
