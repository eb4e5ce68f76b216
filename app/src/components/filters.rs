//! The notification feed's filters: read from the page's URL, shown as a GET form (so a filtered view
//! is a link that can be shared and reloaded, and works without JavaScript), and turned into the
//! listing query.

use std::str::FromStr;

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::params::ParamsMap;
use time::Date;
use time::macros::format_description;

use super::notification_status::status_words;
use crate::dto::NotificationQuery;
use crate::error::AppError;
use crate::timestamp::Timestamp;
use crate::vocab::{Category, Environment, NotificationStatus, NotificationType};

/// The feed's filters as the URL holds them: each one a string, empty when not set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedFilters {
    pub environment: String,
    pub category: String,
    /// The notification type (`type` in the URL).
    pub kind: String,
    pub status: String,
    pub user_id: String,
    /// The first day shown (`YYYY-MM-DD`, UTC).
    pub from: String,
    /// The last day shown, included.
    pub to: String,
    /// The keyset cursor of an older page.
    pub cursor: String,
}

impl FeedFilters {
    /// The filters in a URL's query.
    pub fn from_params(params: &ParamsMap) -> Self {
        let get = |key: &str| params.get(key).map(|v| v.trim().to_owned()).unwrap_or_default();
        FeedFilters {
            environment: get("environment"),
            category: get("category"),
            kind: get("type"),
            status: get("status"),
            user_id: get("user_id"),
            from: get("from"),
            to: get("to"),
            cursor: get("cursor"),
        }
    }

    /// The listing query of a client's feed; a value outside the vocabulary is a validation error.
    pub fn to_query(&self, client_uuid: &str) -> Result<NotificationQuery, AppError> {
        Ok(NotificationQuery {
            client_uuid: Some(client_uuid.to_owned()),
            environment: choice("environment", &self.environment)?,
            kind: choice("type", &self.kind)?,
            category: choice("category", &self.category)?,
            status: choice("status", &self.status)?,
            user_id: non_empty(&self.user_id),
            since: day_start("from", &self.from)?,
            until: day_start("to", &self.to)?.map(|day| day.plus_seconds(86_400)),
            limit: None,
            cursor: non_empty(&self.cursor),
        })
    }

    /// The filters as URL query pairs, without the cursor: what "Older" links and the live feed keep.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("environment", &self.environment),
            ("category", &self.category),
            ("type", &self.kind),
            ("status", &self.status),
            ("user_id", &self.user_id),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| (key, value.clone()))
        .collect()
    }

    /// Whether any filter is set.
    pub fn any(&self) -> bool {
        !self.pairs().is_empty()
    }
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// A value of a closed set, or `None` when empty.
fn choice<T: FromStr>(field: &str, value: &str) -> Result<Option<T>, AppError>
where
    T::Err: std::fmt::Display,
{
    non_empty(value).map(|v| v.parse::<T>().map_err(|e| AppError::validation(field, e.to_string()))).transpose()
}

/// The start (00:00 UTC) of a `YYYY-MM-DD` day, or `None` when empty.
pub fn day_start(field: &str, value: &str) -> Result<Option<Timestamp>, AppError> {
    let Some(value) = non_empty(value) else { return Ok(None) };
    let day = Date::parse(&value, format_description!("[year]-[month]-[day]"))
        .map_err(|_| AppError::validation(field, format!("`{value}` is not a date such as 2026-11-29.")))?;
    Ok(Some(Timestamp::from(day.midnight().assume_utc())))
}

/// `path` with the pairs as its query (`path` alone when there are none).
pub fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", url_escape(k), url_escape(v))).collect();
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

/// The filter form: a GET form whose fields become the page's query.
#[component]
pub fn FilterForm(
    /// The page the form shows filtered (the feed's path).
    action: String,
    filters: FeedFilters,
) -> impl IntoView {
    let environments = Environment::ALL.iter().map(|e| (e.as_str(), e.label())).collect();
    let categories = Category::ALL.iter().map(|c| (c.as_str(), c.as_str())).collect();
    let kinds = NotificationType::ALL.iter().map(|t| (t.as_str(), t.as_str())).collect();
    let statuses = NotificationStatus::ALL.iter().map(|s| (s.as_str(), status_words(*s))).collect();
    let clear = action.clone();
    view! {
        <Form method="GET" action=action attr:class="filters" attr:aria-label="Filter notifications">
            <Choice
                id="filter-environment"
                name="environment"
                label="Environment"
                options=environments
                current=filters.environment
            />
            <Choice id="filter-category" name="category" label="Category" options=categories current=filters.category />
            <Choice id="filter-type" name="type" label="Type" options=kinds current=filters.kind />
            <Choice id="filter-status" name="status" label="Status" options=statuses current=filters.status />
            <div class="field">
                <label for="filter-user">"User id"</label>
                <input id="filter-user" name="user_id" type="search" value=filters.user_id />
            </div>
            <div class="field">
                <label for="filter-from">"From"</label>
                <input id="filter-from" name="from" type="date" value=filters.from />
            </div>
            <div class="field">
                <label for="filter-to">"To"</label>
                <input id="filter-to" name="to" type="date" value=filters.to />
            </div>
            <div class="filter-actions">
                <button type="submit">"Apply filters"</button>
                <a href=clear>"Clear filters"</a>
            </div>
        </Form>
    }
}

/// One labelled select with "Any" first.
#[component]
fn Choice(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    /// Wire value and visible text.
    options: Vec<(&'static str, &'static str)>,
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
                <option value="">"Any"</option>
                {options}
            </select>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_to_day_is_included_and_the_from_day_starts_at_midnight() {
        let filters = FeedFilters { from: "2026-11-01".into(), to: "2026-11-29".into(), ..Default::default() };
        let query = filters.to_query("c").unwrap();
        assert_eq!(query.since.unwrap().to_rfc3339(), "2026-11-01T00:00:00.000Z");
        assert_eq!(query.until.unwrap().to_rfc3339(), "2026-11-30T00:00:00.000Z");
    }

    #[test]
    fn unknown_values_are_validation_errors_naming_the_field() {
        let filters = FeedFilters { kind: "user.exploded".into(), ..Default::default() };
        assert!(matches!(filters.to_query("c"), Err(AppError::Validation { field, .. }) if field == "type"));
        let filters = FeedFilters { from: "yesterday".into(), ..Default::default() };
        assert!(matches!(filters.to_query("c"), Err(AppError::Validation { field, .. }) if field == "from"));
    }

    #[test]
    fn links_keep_the_filters_and_escape_them() {
        let filters = FeedFilters { kind: "extraction.failed".into(), user_id: "a b&c".into(), ..Default::default() };
        let href = with_query("/x", &filters.pairs());
        assert_eq!(href, "/x?type=extraction.failed&user_id=a%20b%26c");
        assert_eq!(with_query("/x", &[]), "/x");
    }
}
