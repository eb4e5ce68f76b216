//! Points in time as the whole product sees them: microseconds since the Unix epoch (so they store as
//! one integer that sorts correctly on every backend), written on the wire as RFC 3339 UTC with
//! milliseconds (`2026-11-29T15:00:00.000Z`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// A UTC instant with microsecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// The error of parsing a timestamp that is not RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an RFC 3339 date-time such as 2026-11-29T15:00:00.000Z")]
pub struct InvalidTimestamp(pub String);

impl Timestamp {
    /// The instant `micros` microseconds after the Unix epoch.
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// Microseconds since the Unix epoch: the stored form.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Seconds since the Unix epoch (for `webhook-timestamp`).
    pub const fn as_unix_seconds(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// The current time (server side; the browser has its own clock and never needs this).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn now() -> Self {
        Self::from(OffsetDateTime::now_utc())
    }

    /// This instant moved by `micros` (negative moves back).
    pub const fn plus_micros(self, micros: i64) -> Self {
        Self(self.0.saturating_add(micros))
    }

    /// This instant moved by whole seconds.
    pub const fn plus_seconds(self, seconds: i64) -> Self {
        self.plus_micros(seconds.saturating_mul(1_000_000))
    }

    fn to_datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// RFC 3339 UTC with exactly three fractional digits: the wire form.
    pub fn to_rfc3339(self) -> String {
        let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
        self.to_datetime().format(&fmt).unwrap_or_default()
    }

    /// A short human form for the dashboard: `2026-11-29 15:00:00 UTC`.
    pub fn to_display(self) -> String {
        let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
        self.to_datetime().format(&fmt).unwrap_or_default()
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(dt: OffsetDateTime) -> Self {
        let micros = dt.unix_timestamp_nanos().div_euclid(1_000);
        Self(i64::try_from(micros).unwrap_or(i64::MAX))
    }
}

impl FromStr for Timestamp {
    type Err = InvalidTimestamp;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OffsetDateTime::parse(s, &Rfc3339)
            .map(|dt| Timestamp::from(dt.to_offset(UtcOffset::UTC)))
            .map_err(|_| InvalidTimestamp(s.chars().take(64).collect()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// In the OpenAPI document: a `date-time` string in the wire form.
#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some("RFC 3339 UTC with milliseconds."))
            .examples(["2026-11-29T15:00:00.000Z"])
            .into()
    }
}

#[cfg(feature = "ssr")]
impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_has_milliseconds_and_a_z() {
        let t: Timestamp = "2026-11-29T15:00:00Z".parse().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-29T15:00:00.000Z");
        let t: Timestamp = "2026-11-29T16:00:00.5+01:00".parse().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-29T15:00:00.500Z");
    }

    #[test]
    fn ordering_follows_time_whatever_the_fraction_digits() {
        let a: Timestamp = "2026-11-29T15:00:00Z".parse().unwrap();
        let b: Timestamp = "2026-11-29T15:00:00.5Z".parse().unwrap();
        assert!(a < b);
    }

    #[test]
    fn garbage_is_rejected_with_the_expected_form() {
        let err = "yesterday".parse::<Timestamp>().unwrap_err();
        assert!(err.to_string().contains("RFC 3339"));
    }
}
