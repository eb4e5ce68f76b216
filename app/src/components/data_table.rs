//! Every table of the dashboard: one caption, one row of column headings, then the rows — or, when
//! there is nothing to list, a sentence that says so instead of an empty table.
//!
//! On a narrow screen (style/main.css) a table's rows are stacked, one cell a line, each cell
//! labelled with its column's heading. The table carries its headings as CSS custom properties
//! (`--col-1`, `--col-2`, …) for that, so the cells need no label of their own.

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
    let headings_said: Vec<&str> = columns.iter().map(|text| lang.t(*text)).collect();
    let headings = headings_said.iter().map(|text| view! { <th scope="col">{*text}</th> }).collect_view();
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
        <table class=format!("{class} stacking") style=column_labels(&headings_said)>
            {caption}
            <thead>
                <tr>{headings}{unseen}</tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
    }
}

/// The column headings as the custom properties a stacked row's cells show as their labels:
/// `--col-1:"Recorded";--col-2:"Type";…`, each a CSS string.
fn column_labels(columns: &[&str]) -> String {
    columns.iter().enumerate().map(|(i, text)| format!("--col-{}:{};", i + 1, css_string(text))).collect()
}

/// `text` as a quoted CSS string (quotes, backslashes and line breaks escaped).
fn css_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\a "),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_labels_are_css_strings_numbered_from_one() {
        assert_eq!(column_labels(&["Type", "Status"]), r#"--col-1:"Type";--col-2:"Status";"#);
        assert_eq!(column_labels(&[r#"a "b" \ c"#]), r#"--col-1:"a \"b\" \\ c";"#);
        assert_eq!(column_labels(&[]), "");
    }
}
