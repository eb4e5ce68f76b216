//! Every table of the dashboard: one caption, one row of column headings, then the rows — or, when
//! there is nothing to list, a sentence that says so instead of an empty table.

use leptos::prelude::*;

use crate::i18n::{Msg, use_lang};

/// The table's frame around `children` (its rows). The caption names the table for assistive
/// technology; it stays off the screen (a heading above already says the same) unless `caption_shown`.
#[component]
pub fn TableFrame(
    /// The table's classes: `data` unless told.
    #[prop(default = "data")]
    class: &'static str,
    #[prop(into)] caption: String,
    #[prop(optional)] caption_shown: bool,
    /// The column headings, left to right.
    columns: &'static [Msg],
    /// A last column whose heading only screen readers announce, for cells that say what they are
    /// (links, buttons).
    #[prop(optional_no_strip)]
    unseen_column: Option<Msg>,
    children: Children,
) -> impl IntoView {
    let lang = use_lang();
    let headings = columns.iter().map(|text| view! { <th scope="col">{lang.t(*text)}</th> }).collect_view();
    let unseen = unseen_column.map(|text| lang.t(text)).map(|text| {
        view! {
            <th scope="col">
                <span class="visually-hidden">{text}</span>
            </th>
        }
    });
    let caption = if caption_shown {
        view! { <caption>{caption}</caption> }.into_any()
    } else {
        view! { <caption class="visually-hidden">{caption}</caption> }.into_any()
    };
    view! {
        <table class=class>
            {caption}
            <thead>
                <tr>{headings}{unseen}</tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
    }
}

/// `items` as a table, one row each by `row`, or the sentence `empty` when there are none.
#[component]
pub fn DataTable<T, R, V>(
    /// The table's classes: `data` unless told.
    #[prop(default = "data")]
    class: &'static str,
    #[prop(into)] caption: String,
    #[prop(optional)] caption_shown: bool,
    columns: &'static [Msg],
    #[prop(optional)] unseen_column: Option<Msg>,
    items: Vec<T>,
    row: R,
    /// What to say instead of the table when there is nothing to list.
    empty: &'static str,
) -> impl IntoView
where
    T: 'static,
    R: FnMut(T) -> V + 'static,
    V: IntoView + Send + 'static,
{
    if items.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    let rows = items.into_iter().map(row).collect_view();
    view! {
        <TableFrame class caption caption_shown columns unseen_column>
            {rows}
        </TableFrame>
    }
    .into_any()
}
