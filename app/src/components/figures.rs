//! Figures as a list of names and values, each pair grouped so the stylesheet's grid keeps them
//! together.

use leptos::prelude::*;

/// The figures in order, as a `<dl>` of the class `class` (`figures` unless told).
#[component]
pub fn Figures(#[prop(default = "figures")] class: &'static str, items: Vec<(&'static str, String)>) -> impl IntoView {
    let items = items
        .into_iter()
        .map(|(name, value)| {
            view! {
                <div>
                    <dt>{name}</dt>
                    <dd>{value}</dd>
                </div>
            }
        })
        .collect_view();
    view! { <dl class=class>{items}</dl> }
}
