//! Figures as a list of names and values, each pair grouped so the stylesheet's grid keeps them
//! together.

use leptos::prelude::*;

/// The figures in order, as a `<dl>` of the class `class` (`figures` unless told). With `links`, the
/// i-th value links to the i-th address (the list the figure counts).
#[component]
pub fn Figures(
    #[prop(default = "figures")] class: &'static str,
    items: Vec<(&'static str, String)>,
    #[prop(optional)] links: Vec<String>,
) -> impl IntoView {
    let mut links = links.into_iter();
    let items = items
        .into_iter()
        .map(|(name, value)| {
            let value = match links.next() {
                Some(href) => view! { <a href=href>{value}</a> }.into_any(),
                None => value.into_any(),
            };
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
