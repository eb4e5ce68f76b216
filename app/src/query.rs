//! List queries as URLs carry them: one typed query per list ([`NotificationQuery`],
//! [`DataDeliveryQuery`], [`AuditQuery`], [`ClientQuery`] in [`crate::dto`]), read with serde from a
//! query string's pairs and written back to pairs for links.
//!
//! The REST API, the dashboard's pages and the live feed all read a list's query with
//! [`parse_pairs`], so a filter is declared once, on its query type: a field there, its SQL clause in
//! the store, its form control on the page. A value outside its type is an [`AppError::Validation`]
//! naming the field; a parameter no field takes is refused (the types deny unknown fields: a misspelt
//! filter must not silently list everything); an empty value means "any", as an HTML form sends an
//! unset field.
//!
//! [`NotificationQuery`]: crate::dto::NotificationQuery
//! [`DataDeliveryQuery`]: crate::dto::DataDeliveryQuery
//! [`AuditQuery`]: crate::dto::AuditQuery
//! [`ClientQuery`]: crate::dto::ClientQuery

use std::fmt;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;
use time::macros::format_description;

use crate::error::AppError;
use crate::timestamp::Timestamp;

/// Reads a query from its `(name, value)` pairs, in order (a name given twice is an error). Values
/// are trimmed, and a blank one is left out: an unset field of a form means "any" — but its name must
/// still be one of the query's.
pub fn parse_pairs<T: DeserializeOwned>(pairs: impl IntoIterator<Item = (String, String)>) -> Result<T, AppError> {
    let known = field_names::<T>();
    let mut set = Vec::new();
    for (name, value) in pairs {
        let value = value.trim();
        if name.is_empty() {
            // A nameless pair says nothing (a browser's form navigation can leave one behind).
            continue;
        } else if !value.is_empty() {
            set.push((name, value.to_owned()));
        } else if !known.contains(&name.as_str()) {
            return Err(AppError::validation(&name, format!("Unknown query parameter `{name}`.")));
        }
    }
    // serde_urlencoded reads numbers, options and enums from text, so the query types need no
    // attributes; it reads an encoded string, so the pairs are encoded once more first.
    let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(set).finish();
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        // serde names an unknown or repeated parameter in its message, not in the path.
        let field = if path == "." { quoted_name(&message).unwrap_or("query").to_owned() } else { path };
        AppError::validation(field, field_message(&message))
    })
}

/// The names of a struct's fields as serde reads them (renames applied): serde's derive hands them to
/// `deserialize_struct`, which this probe records and then refuses.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(serde::de::Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// Reads a query from a page's URL (the dashboard's side of [`parse_pairs`]).
pub fn from_params<T: DeserializeOwned>(params: &leptos_router::params::ParamsMap) -> Result<T, AppError> {
    parse_pairs(params.into_iter().map(|(name, value)| (name.to_string(), value.to_owned())))
}

/// The query as `(name, value)` pairs, unset fields left out: what links and forms carry.
pub fn to_pairs<T: Serialize>(query: &T) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(query) else { return Vec::new() };
    fields
        .into_iter()
        .filter_map(|(name, value)| match value {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some((name, s)),
            other => Some((name, other.to_string())),
        })
        .collect()
}

/// The first name in backquotes in serde's message (`unknown field `statuss`, expected …`).
fn quoted_name(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// serde's message, made a sentence for people (`unknown field` is the one they meet).
fn field_message(message: &str) -> String {
    match quoted_name(message) {
        Some(name) if message.starts_with("unknown field") => format!("Unknown query parameter `{name}`."),
        Some(name) if message.starts_with("duplicate field") => format!("`{name}` is given more than once."),
        _ => message.to_owned(),
    }
}

/// One end of a time range as a query writes it: a whole day (`2026-11-29`, UTC, what a date field
/// sends) or an instant (RFC 3339). As a lower bound a day starts at its midnight; as an upper bound it
/// is included (the range ends at the next midnight), so "from the 1st to the 29th" means both days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBound {
    Day(Date),
    At(Timestamp),
}

impl TimeBound {
    /// Where a range that starts here starts.
    pub fn start(self) -> Timestamp {
        match self {
            TimeBound::Day(day) => Timestamp::from(day.midnight().assume_utc()),
            TimeBound::At(at) => at,
        }
    }

    /// Where a range that ends here ends (excluded): after the whole day, or at the instant.
    pub fn end(self) -> Timestamp {
        match self {
            TimeBound::Day(day) => TimeBound::Day(day).start().plus_seconds(86_400),
            TimeBound::At(at) => at,
        }
    }
}

const DAY: &[time::format_description::BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// The error of a bound that is neither a day nor an instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is neither a date such as 2026-11-29 nor a date-time such as 2026-11-29T15:00:00Z.")]
pub struct InvalidTimeBound(String);

impl FromStr for TimeBound {
    type Err = InvalidTimeBound;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(day) = Date::parse(s, DAY) {
            return Ok(TimeBound::Day(day));
        }
        s.parse().map(TimeBound::At).map_err(|_| InvalidTimeBound(s.to_owned()))
    }
}

impl fmt::Display for TimeBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeBound::Day(day) => f.write_str(&day.format(DAY).unwrap_or_default()),
            TimeBound::At(at) => f.write_str(&at.to_rfc3339()),
        }
    }
}

impl From<Timestamp> for TimeBound {
    fn from(at: Timestamp) -> Self {
        TimeBound::At(at)
    }
}

impl Serialize for TimeBound {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeBound {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::NotificationQuery;
    use crate::vocab::{Environment, NotificationType};

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_query_reads_its_fields_and_blank_ones_are_absent() {
        let query: NotificationQuery =
            parse_pairs(pairs(&[("environment", "sandbox"), ("type", "user.created"), ("status", ""), ("limit", "5")]))
                .unwrap();
        assert_eq!(query.environment, Some(Environment::Sandbox));
        assert_eq!(query.kind, Some(NotificationType::UserCreated));
        assert_eq!(query.status, None);
        assert_eq!(query.limit, Some(5));
    }

    #[test]
    fn a_bad_value_names_its_field() {
        let err = parse_pairs::<NotificationQuery>(pairs(&[("type", "user.exploded")])).unwrap_err();
        assert!(matches!(err, AppError::Validation { ref field, .. } if field == "type"), "{err:?}");
        let err = parse_pairs::<NotificationQuery>(pairs(&[("limit", "many")])).unwrap_err();
        assert!(matches!(err, AppError::Validation { ref field, .. } if field == "limit"), "{err:?}");
        let err = parse_pairs::<NotificationQuery>(pairs(&[("since", "yesterday")])).unwrap_err();
        assert!(matches!(err, AppError::Validation { ref field, .. } if field == "since"), "{err:?}");
    }

    #[test]
    fn an_unknown_or_repeated_parameter_is_refused_by_name() {
        let err = parse_pairs::<NotificationQuery>(pairs(&[("statuss", "failed")])).unwrap_err();
        assert!(
            matches!(err, AppError::Validation { ref field, ref message } if field == "statuss" && message.contains("Unknown")),
            "{err:?}"
        );
        let err =
            parse_pairs::<NotificationQuery>(pairs(&[("status", "failed"), ("status", "delivered")])).unwrap_err();
        assert!(matches!(err, AppError::Validation { ref field, .. } if field == "status"), "{err:?}");
    }

    #[test]
    fn a_day_bound_covers_the_whole_day_and_an_instant_is_exact() {
        let day: TimeBound = "2026-11-29".parse().unwrap();
        assert_eq!(day.start().to_rfc3339(), "2026-11-29T00:00:00.000Z");
        assert_eq!(day.end().to_rfc3339(), "2026-11-30T00:00:00.000Z");
        let at: TimeBound = "2026-11-29T15:00:00Z".parse().unwrap();
        assert_eq!(at.start(), at.end());
        assert_eq!(day.to_string(), "2026-11-29");
    }

    #[test]
    fn pairs_round_trip_through_the_query() {
        let query: NotificationQuery =
            parse_pairs(pairs(&[("type", "extraction.failed"), ("user_id", "a b&c"), ("until", "2026-11-29")]))
                .unwrap();
        let written = to_pairs(&query);
        let again: NotificationQuery = parse_pairs(written.clone()).unwrap();
        assert_eq!(again, query);
        assert!(written.contains(&("until".to_owned(), "2026-11-29".to_owned())), "{written:?}");
    }
}
