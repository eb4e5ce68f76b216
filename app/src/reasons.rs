//! Why an extraction failed, in words: one table of the reasons ROOK reports, per kind of data source,
//! with what happened and what the client can do. The dashboard's rows and notification pages and the
//! receiver guide all read this table, so a reason is explained once.

use crate::vocab::ExtractionFailureReason;

/// Where a data source's data comes from: that decides what a failure means and who can fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSourceKind {
    /// A cloud service ROOK reads through its API with a token the user granted (Garmin, Oura,
    /// Fitbit, Polar, Whoop, Withings, …).
    Cloud,
    /// A store on the user's phone that the client's app reads through ROOK's mobile SDK (Apple
    /// Health, Health Connect, Samsung Health).
    Phone,
}

impl DataSourceKind {
    pub const ALL: [DataSourceKind; 2] = [DataSourceKind::Cloud, DataSourceKind::Phone];

    /// The kind of a data source as events name it ("Oura", "apple_health", "Health Connect").
    pub fn of(data_source: &str) -> DataSourceKind {
        let name = data_source.to_ascii_lowercase().replace(['_', '-'], " ");
        let on_phone = ["apple health", "healthkit", "health connect", "samsung health"];
        if on_phone.iter().any(|phone| name.contains(phone)) { DataSourceKind::Phone } else { DataSourceKind::Cloud }
    }

    /// The kind in words, for the table's headings.
    pub const fn label(self) -> &'static str {
        match self {
            DataSourceKind::Cloud => "Cloud data sources (Garmin, Oura, Fitbit, Polar, Whoop, Withings, …)",
            DataSourceKind::Phone => "Data sources on the user's phone (Apple Health, Health Connect, Samsung Health)",
        }
    }
}

/// A reason explained: what happened, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonWords {
    /// The reason's name for people ("Credentials no longer valid").
    pub title: &'static str,
    /// What happened, with the data source named.
    pub what: String,
    /// What the client (or its user) can do.
    pub next: String,
}

/// The table: each reason for each kind of data source, `{source}` standing for its name.
const fn template(reason: ExtractionFailureReason, kind: DataSourceKind) -> (&'static str, &'static str, &'static str) {
    use DataSourceKind::{Cloud, Phone};
    use ExtractionFailureReason as R;
    match (reason, kind) {
        (R::DataSourceError, Cloud) => (
            "Data source error",
            "{source} answered ROOK's request for the data with an error.",
            "Nothing to do now: ROOK asks again at the next extraction. If it lasts more than a day, contact ROOK support.",
        ),
        (R::DataSourceError, Phone) => (
            "Data source error",
            "{source} on the user's phone answered with an error when your app read it.",
            "Nothing to do now: your app reads it again at its next sync.",
        ),
        (R::DataSourceNoResponse, Cloud) => (
            "No response from the data source",
            "{source} did not answer ROOK in time.",
            "Nothing to do now: ROOK asks again at the next extraction.",
        ),
        (R::DataSourceNoResponse, Phone) => (
            "No response from the data source",
            "The user's phone did not send the data from {source} in time (your app was closed or offline).",
            "Ask the user to open your app so that it syncs.",
        ),
        (R::UserInfoUnavailable, Cloud) => (
            "No data for this user",
            "{source} holds no data for this user for the period asked (their device has not synced).",
            "Ask the user to sync their device with {source}'s app.",
        ),
        (R::UserInfoUnavailable, Phone) => (
            "No data for this user",
            "{source} on the user's phone holds no data for the period asked.",
            "Ask the user to check that their wearable writes its data to {source}.",
        ),
        (R::CredentialsInvalid, Cloud) => (
            "Credentials no longer valid",
            "{source} no longer accepts the token stored for this user (it expired or the user revoked it).",
            "The user must link {source} again.",
        ),
        (R::CredentialsInvalid, Phone) => (
            "Credentials no longer valid",
            "Your app's session with ROOK on the user's phone is no longer valid.",
            "Ask the user to open your app so that it signs in to ROOK again.",
        ),
        (R::PermissionDenied, Cloud) => (
            "Permission denied",
            "The user did not allow (or withdrew) access to this data at {source}.",
            "Ask the user to link {source} again and allow every data type.",
        ),
        (R::PermissionDenied, Phone) => (
            "Permission denied",
            "The user did not allow (or withdrew) your app's access to this data in {source}.",
            "Ask the user to allow it in {source}'s settings on their phone.",
        ),
    }
}

/// The reason explained for `data_source` (or "the data source" when the event named none).
pub fn reason_words(reason: ExtractionFailureReason, data_source: Option<&str>) -> ReasonWords {
    let kind = data_source.map_or(DataSourceKind::Cloud, DataSourceKind::of);
    filled(reason, kind, data_source.unwrap_or("the data source"))
}

/// The table's words of `reason` for `kind`, `{source}` filled with `source`.
fn filled(reason: ExtractionFailureReason, kind: DataSourceKind, source: &str) -> ReasonWords {
    let (title, what, next) = template(reason, kind);
    let fill = |text: &str| sentence_case(&text.replace("{source}", source));
    ReasonWords { title, what: fill(what), next: fill(next) }
}

/// A reason's words for a table of the kind (its data source written `{source}` as "the data source").
pub fn reason_table(kind: DataSourceKind) -> Vec<(ExtractionFailureReason, ReasonWords)> {
    ExtractionFailureReason::ALL.iter().map(|&reason| (reason, filled(reason, kind, "the data source"))).collect()
}

/// The reason table as Markdown, one table per kind of data source: what the receiver guide shows.
pub fn reason_table_markdown() -> String {
    let mut out = String::new();
    for kind in DataSourceKind::ALL {
        out.push_str(&format!("**{}**\n\n| `reason` | what happened | what to do |\n|---|---|---|\n", kind.label()));
        for (reason, words) in reason_table(kind) {
            out.push_str(&format!("| `{}` | {} | {} |\n", reason.as_str(), words.what, words.next));
        }
        out.push('\n');
    }
    out
}

/// The text with its first letter capitalised, and "the data source" made "The data source" after a
/// sentence's end.
fn sentence_case(text: &str) -> String {
    let text = text.replace(". the data source", ". The data source");
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_stores_are_told_from_cloud_services_by_name() {
        for phone in ["Apple Health", "apple_health", "Health Connect", "health-connect", "Samsung Health"] {
            assert_eq!(DataSourceKind::of(phone), DataSourceKind::Phone, "{phone}");
        }
        for cloud in ["Oura", "garmin", "Fitbit", "Withings"] {
            assert_eq!(DataSourceKind::of(cloud), DataSourceKind::Cloud, "{cloud}");
        }
    }

    #[test]
    fn a_reason_names_its_data_source_and_what_to_do() {
        let words = reason_words(ExtractionFailureReason::CredentialsInvalid, Some("Oura"));
        assert_eq!(words.title, "Credentials no longer valid");
        assert!(words.what.starts_with("Oura no longer accepts the token"), "{}", words.what);
        assert_eq!(words.next, "The user must link Oura again.");
    }

    #[test]
    fn without_a_data_source_the_sentences_still_read() {
        let words = reason_words(ExtractionFailureReason::UserInfoUnavailable, None);
        assert!(words.what.starts_with("The data source holds no data"), "{}", words.what);
        assert_eq!(words.next, "Ask the user to sync their device with the data source's app.");
    }

    #[test]
    fn every_reason_has_words_for_every_kind() {
        let table = reason_table_markdown();
        for reason in ExtractionFailureReason::ALL {
            assert_eq!(table.matches(&format!("| `{}` |", reason.as_str())).count(), 2, "{reason:?}");
        }
        assert!(!table.contains("{source}"));
    }
}
