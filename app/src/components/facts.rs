//! The facts of one item (a notification, a data delivery) as a `<dl class="facts">` lists them.

use leptos::prelude::*;

/// What a fact without a value shows.
pub const ABSENT: &str = "—";

/// A value as a fact or a table cell shows it: [`ABSENT`] when there is none.
pub fn or_absent(value: Option<String>) -> String {
    value.unwrap_or_else(|| ABSENT.to_owned())
}

/// A fact that may be absent: `term`, then the value or [`ABSENT`].
#[component]
pub fn Fact(term: &'static str, value: Option<String>) -> impl IntoView {
    view! {
        <dt>{term}</dt>
        <dd>{or_absent(value)}</dd>
    }
}

/// An item's id as a fact, as code (it is copied and searched for).
#[component]
pub fn IdFact(term: &'static str, id: String) -> impl IntoView {
    view! {
        <dt>{term}</dt>
        <dd>
            <code>{id}</code>
        </dd>
    }
}
