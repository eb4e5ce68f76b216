//! Why an extraction failed, in words: one table of the reasons ROOK reports, per kind of data source,
//! with what happened and what the client can do. The dashboard's rows and notification pages and the
//! receiver guide all read this table, so a reason is explained once.

use crate::i18n::Lang;
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
    pub const fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (DataSourceKind::Cloud, Lang::En) => "Cloud data sources (Garmin, Oura, Fitbit, Polar, Whoop, Withings, …)",
            (DataSourceKind::Phone, Lang::En) => {
                "Data sources on the user's phone (Apple Health, Health Connect, Samsung Health)"
            }
            (DataSourceKind::Cloud, Lang::Es) => {
                "Fuentes de datos en la nube (Garmin, Oura, Fitbit, Polar, Whoop, Withings, …)"
            }
            (DataSourceKind::Phone, Lang::Es) => {
                "Fuentes de datos en el teléfono del usuario (Apple Health, Health Connect, Samsung Health)"
            }
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

/// The table in a language: each reason for each kind of data source, `{source}` standing for its name.
const fn template(
    lang: Lang,
    reason: ExtractionFailureReason,
    kind: DataSourceKind,
) -> (&'static str, &'static str, &'static str) {
    match lang {
        Lang::En => template_en(reason, kind),
        Lang::Es => template_es(reason, kind),
    }
}

/// The table in Spanish (the English one, below, is the receiver guide's).
const fn template_es(
    reason: ExtractionFailureReason,
    kind: DataSourceKind,
) -> (&'static str, &'static str, &'static str) {
    use DataSourceKind::{Cloud, Phone};
    use ExtractionFailureReason as R;
    match (reason, kind) {
        (R::DataSourceError, Cloud) => (
            "Error de la fuente de datos",
            "{source} respondió con un error a la solicitud de datos de ROOK.",
            "Por ahora no hay nada que hacer: ROOK vuelve a pedirlos en la próxima extracción. Si dura más de un día, contacte con el soporte de ROOK.",
        ),
        (R::DataSourceError, Phone) => (
            "Error de la fuente de datos",
            "{source} en el teléfono del usuario respondió con un error cuando su app lo leyó.",
            "Por ahora no hay nada que hacer: su app vuelve a leerlo en la próxima sincronización.",
        ),
        (R::DataSourceNoResponse, Cloud) => (
            "Sin respuesta de la fuente de datos",
            "{source} no respondió a ROOK a tiempo.",
            "Por ahora no hay nada que hacer: ROOK vuelve a pedirlos en la próxima extracción.",
        ),
        (R::DataSourceNoResponse, Phone) => (
            "Sin respuesta de la fuente de datos",
            "El teléfono del usuario no envió a tiempo los datos de {source} (su app estaba cerrada o sin conexión).",
            "Pida al usuario que abra su app para que se sincronice.",
        ),
        (R::UserInfoUnavailable, Cloud) => (
            "Sin datos de este usuario",
            "{source} no tiene datos de este usuario para el periodo pedido (su dispositivo no se ha sincronizado).",
            "Pida al usuario que sincronice su dispositivo con la app de {source}.",
        ),
        (R::UserInfoUnavailable, Phone) => (
            "Sin datos de este usuario",
            "{source} en el teléfono del usuario no tiene datos para el periodo pedido.",
            "Pida al usuario que compruebe que su dispositivo guarda sus datos en {source}.",
        ),
        (R::CredentialsInvalid, Cloud) => (
            "Credenciales ya no válidas",
            "{source} ya no acepta el token guardado para este usuario (caducó o el usuario lo revocó).",
            "El usuario debe vincular {source} de nuevo.",
        ),
        (R::CredentialsInvalid, Phone) => (
            "Credenciales ya no válidas",
            "La sesión de su app con ROOK en el teléfono del usuario ya no es válida.",
            "Pida al usuario que abra su app para que vuelva a iniciar sesión en ROOK.",
        ),
        (R::PermissionDenied, Cloud) => (
            "Permiso denegado",
            "El usuario no permitió (o retiró) el acceso a estos datos en {source}.",
            "Pida al usuario que vincule {source} de nuevo y permita todos los tipos de datos.",
        ),
        (R::PermissionDenied, Phone) => (
            "Permiso denegado",
            "El usuario no permitió (o retiró) el acceso de su app a estos datos en {source}.",
            "Pida al usuario que lo permita en los ajustes de {source} de su teléfono.",
        ),
    }
}

/// The table in English: what the receiver guide shows.
const fn template_en(
    reason: ExtractionFailureReason,
    kind: DataSourceKind,
) -> (&'static str, &'static str, &'static str) {
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

/// "the data source", standing for a data source the event did not name.
const fn unnamed_source(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "the data source",
        Lang::Es => "la fuente de datos",
    }
}

/// The reason explained for `data_source` (or "the data source" when the event named none).
pub fn reason_words(lang: Lang, reason: ExtractionFailureReason, data_source: Option<&str>) -> ReasonWords {
    let kind = data_source.map_or(DataSourceKind::Cloud, DataSourceKind::of);
    filled(lang, reason, kind, data_source.unwrap_or(unnamed_source(lang)))
}

/// The table's words of `reason` for `kind`, `{source}` filled with `source`.
fn filled(lang: Lang, reason: ExtractionFailureReason, kind: DataSourceKind, source: &str) -> ReasonWords {
    let (title, what, next) = template(lang, reason, kind);
    let fill = |text: &str| sentence_case(lang, &text.replace("{source}", source));
    ReasonWords { title, what: fill(what), next: fill(next) }
}

/// A reason's words for a table of the kind (its data source written `{source}` as "the data source").
pub fn reason_table(lang: Lang, kind: DataSourceKind) -> Vec<(ExtractionFailureReason, ReasonWords)> {
    ExtractionFailureReason::ALL
        .iter()
        .map(|&reason| (reason, filled(lang, reason, kind, unnamed_source(lang))))
        .collect()
}

/// The reason table as Markdown, one table per kind of data source: what the receiver guide
/// (`docs/receiver-guide.md`, English) shows.
pub fn reason_table_markdown() -> String {
    let mut out = String::new();
    for kind in DataSourceKind::ALL {
        let heading = kind.label(Lang::En);
        out.push_str(&format!("**{heading}**\n\n| `reason` | what happened | what to do |\n|---|---|---|\n"));
        for (reason, words) in reason_table(Lang::En, kind) {
            out.push_str(&format!("| `{}` | {} | {} |\n", reason.as_str(), words.what, words.next));
        }
        out.push('\n');
    }
    out
}

/// The text with its first letter capitalised, and "the data source" made "The data source" after a
/// sentence's end.
fn sentence_case(lang: Lang, text: &str) -> String {
    let source = unnamed_source(lang);
    let text = text.replace(&format!(". {source}"), &format!(". {}", capitalised(source)));
    capitalised(&text)
}

/// The text with its first letter capitalised.
fn capitalised(text: &str) -> String {
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
        let words = reason_words(Lang::En, ExtractionFailureReason::CredentialsInvalid, Some("Oura"));
        assert_eq!(words.title, "Credentials no longer valid");
        assert!(words.what.starts_with("Oura no longer accepts the token"), "{}", words.what);
        assert_eq!(words.next, "The user must link Oura again.");
    }

    #[test]
    fn without_a_data_source_the_sentences_still_read() {
        let words = reason_words(Lang::En, ExtractionFailureReason::UserInfoUnavailable, None);
        assert!(words.what.starts_with("The data source holds no data"), "{}", words.what);
        assert_eq!(words.next, "Ask the user to sync their device with the data source's app.");
    }

    #[test]
    fn a_reason_reads_in_spanish_with_its_data_source() {
        let words = reason_words(Lang::Es, ExtractionFailureReason::CredentialsInvalid, Some("Oura"));
        assert_eq!(words.title, "Credenciales ya no válidas");
        assert_eq!(words.next, "El usuario debe vincular Oura de nuevo.");
        let words = reason_words(Lang::Es, ExtractionFailureReason::DataSourceNoResponse, None);
        assert_eq!(words.what, "La fuente de datos no respondió a ROOK a tiempo.");
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
