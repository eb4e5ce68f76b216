//! The notification feed's filters: the feed's [`NotificationQuery`] shown as a GET form whose field
//! names are the query's own (so a filtered view is a link that can be shared and reloaded, works
//! without JavaScript, and is read back by the same [`crate::query::parse_pairs`] as the API's).

use leptos::prelude::*;
use leptos_router::components::Form;

use crate::dto::NotificationQuery;
use crate::i18n::use_lang;
use crate::i18n::words::{parts as w, vocab};
use crate::query::{TimeBound, to_pairs};
use crate::vocab::{Category, Environment, NotificationStatus, NotificationType};

/// The filters of a query as link pairs: without the page position (`cursor`, `after`) or the
/// client, which the page's path names. What "Older" and "Newest" links keep.
pub fn filter_pairs(query: &NotificationQuery) -> Vec<(String, String)> {
    let filters = NotificationQuery { client_uuid: None, cursor: None, after: None, limit: None, ..query.clone() };
    to_pairs(&filters)
}

/// `path` with the pairs as its query (`path` alone when there are none).
pub fn with_query<K: AsRef<str>>(path: &str, pairs: &[(K, String)]) -> String {
    if pairs.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> =
        pairs.iter().map(|(k, v)| format!("{}={}", url_escape(k.as_ref()), url_escape(v))).collect();
    format!("{path}?{}", query.join("&"))
}

/// Percent-encodes everything but the unreserved characters (for a path segment or a query value),
/// the same on the server and in the browser, so server-rendered links and hydrated ones agree.
pub fn url_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The choices of a select: (wire value, words).
type Options = Vec<(&'static str, &'static str)>;

/// How a value of a closed set is written (its wire value, or its words).
type Words<T> = fn(T) -> &'static str;

/// The filter form: a GET form whose fields are the query's, so submitting it is the filtered feed.
#[component]
pub fn FilterForm(
    /// The page the form shows filtered (the feed's path).
    action: String,
    query: NotificationQuery,
    /// Shown open on a phone too: the filters need fixing before the feed can be read.
    #[prop(optional)]
    open: bool,
) -> impl IntoView {
    // The closed sets: each of its values as (wire value, words), and the current one.
    let lang = use_lang();
    let choices = [
        (
            ("filter-environment", "environment", lang.t(w::F_ENVIRONMENT)),
            choice(Environment::ALL, (Environment::as_str, &|v| lang.t(vocab::environment(v))), query.environment),
        ),
        (
            ("filter-category", "category", lang.t(w::F_CATEGORY)),
            choice(Category::ALL, (Category::as_str, &|v| lang.t(vocab::category(v))), query.category),
        ),
        (
            ("filter-type", "type", lang.t(w::F_TYPE)),
            choice(NotificationType::ALL, (NotificationType::as_str, &NotificationType::as_str), query.kind),
        ),
        (
            ("filter-status", "status", lang.t(w::F_STATUS)),
            choice(NotificationStatus::ALL, (NotificationStatus::as_str, &|v| lang.t(vocab::status(v))), query.status),
        ),
    ];
    // How many filters are in force: the closed disclosure says so, so a phone that folds the form
    // still shows that the feed is filtered.
    let mut in_force = choices.iter().filter(|(_, (_, current))| !current.is_empty()).count();
    let choices = choices
        .into_iter()
        .map(|((id, name, label), (options, current))| view! { <Choice id name label options current /> })
        .collect_view();
    let text = |value: Option<String>| value.unwrap_or_default();
    // A date field shows a day; a bound written as an instant (an API link) is shown as its day.
    let day = |bound: Option<TimeBound>| match bound {
        Some(TimeBound::At(at)) => at.to_rfc3339()[..10].to_owned(),
        other => other.map(|b| b.to_string()).unwrap_or_default(),
    };
    // The free ones: id, name, label, input type, value.
    let inputs = [
        ("filter-user", "user_id", lang.t(w::F_USER), "search", text(query.user_id)),
        ("filter-source", "data_source", lang.t(w::F_SOURCE), "search", text(query.data_source)),
        ("filter-from", "since", lang.t(w::F_FROM), "date", day(query.since)),
        ("filter-to", "until", lang.t(w::F_TO), "date", day(query.until)),
    ];
    in_force += inputs.iter().filter(|(.., value)| !value.is_empty()).count();
    let summary = match in_force {
        0 => lang.t(w::F_SUMMARY).to_owned(),
        n => format!("{} ({n})", lang.t(w::F_SUMMARY)),
    };
    let inputs = inputs
        .into_iter()
        .map(|(id, name, label, kind, value)| {
            view! {
                <div class="field">
                    <label for=id>{label}</label>
                    <input id=id name=name type=kind value=value />
                </div>
            }
        })
        .collect_view();
    let clear = action.clone();
    // Closed, the disclosure keeps the filters off a phone's first screen; a wider screen shows them
    // whether it is open or not (style/main.css). Applied in the browser, the filters fold again:
    // the page updates this element in place (it is not built anew), so the opening a person did by
    // hand would otherwise stay, covering the filtered feed on a phone. (The router's form stops its
    // submit event, so the form's own callback does it.)
    let disclosure = NodeRef::<leptos::html::Details>::new();
    let fold: std::sync::Arc<dyn Fn(&_)> = std::sync::Arc::new(move |_| {
        if let Some(details) = disclosure.get_untracked() {
            let _ = details.remove_attribute("open");
        }
    });
    view! {
        <details class="filter-disclosure" open=open node_ref=disclosure>
            <summary>{summary}</summary>
            <Form
                method="GET"
                action=action
                on_form_data=fold
                attr:class="filters"
                attr:aria-label=lang.t(w::F_FORM)
            >
                {choices}
                {inputs}
                <div class="filter-actions">
                    <button type="submit">{lang.t(w::F_APPLY)}</button>
                    <a href=clear>{lang.t(w::F_CLEAR)}</a>
                </div>
            </Form>
        </details>
    }
}

/// A closed set's choices, (wire value, words) each, and the current value's wire value ("" for any).
fn choice<T: Copy>(
    all: &[T],
    (wire, words): (Words<T>, &dyn Fn(T) -> &'static str),
    current: Option<T>,
) -> (Options, String) {
    let options = all.iter().map(|v| (wire(*v), words(*v))).collect();
    (options, current.map(wire).unwrap_or_default().to_owned())
}

/// One labelled select with "Any" first.
#[component]
fn Choice(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    /// Wire value and visible text.
    options: Options,
    current: String,
) -> impl IntoView {
    let options = options
        .into_iter()
        .map(|(value, text)| view! { <option value=value selected=current == value>{text}</option> })
        .collect_view();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name>
                <option value="">{use_lang().t(w::F_ANY)}</option>
                {options}
            </select>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse_pairs;

    #[test]
    fn links_keep_the_filters_escaped_and_drop_the_page_position() {
        let pairs = [("type", "extraction.failed"), ("user_id", "a b&c"), ("cursor", "x"), ("client_uuid", "c")];
        let query: NotificationQuery = parse_pairs(pairs.map(|(k, v)| (k.to_owned(), v.to_owned()))).unwrap();
        let href = with_query("/x", &filter_pairs(&query));
        assert_eq!(href, "/x?type=extraction.failed&user_id=a%20b%26c");
        assert_eq!(with_query::<&str>("/x", &[]), "/x");
    }
}
