//! The shared components' words (`crate::components`): attempts, alerts, tables, filters, badges,
//! subscription facts.

use crate::i18n::Lang;
use crate::i18n::catalog::{catalog, sentences};

catalog! {
    // Alerts.
    ALERT_FAILING: "Started failing" => "Empezó a fallar";
    ALERT_DISABLED_GONE: "Disabled: the receiver answered 410 Gone" => "Desactivado: el receptor respondió 410 Gone";
    ALERT_DISABLED_FAILING: "Disabled: failing for days without a success" => "Desactivado: días fallando sin ningún éxito";
    ALERT_DISABLED: "Disabled" => "Desactivado";
    ALERT_RECOVERED: "Recovered: deliveries succeed again" => "Recuperado: las entregas vuelven a tener éxito";
    NO_ALERTS: "No alerts." => "No hay alertas.";
    // Attempts.
    DELIVERED: "Delivered" => "Entregada";
    FAILED: "Failed" => "Fallida";
    ERROR: "Error" => "Error";
    DIAGNOSTIC: "Recorded diagnostic (English)" => "Diagnóstico registrado (en inglés)";
    TRUNCATED: "Truncated: only the first 16 KiB of the answer were kept." => "Recortada: solo se guardaron los primeros 16 KiB de la respuesta.";
    RESPONSE_HEADERS: "Response headers" => "Cabeceras de la respuesta";
    REQUEST_HEADERS: "Request headers" => "Cabeceras de la solicitud";
    BODY_EXCERPT: "Body excerpt" => "Extracto del cuerpo";
    TRIGGERED_BY: "Triggered by" => "Iniciado por";
    ROOK_AUTOMATIC: "ROOK (automatic)" => "ROOK (automático)";
    URL: "URL" => "URL";
    // Filters.
    F_ENVIRONMENT: "Environment" => "Entorno";
    F_CATEGORY: "Category" => "Categoría";
    F_TYPE: "Type" => "Tipo";
    F_STATUS: "Status" => "Estado";
    F_USER: "User id" => "Id de usuario";
    F_SOURCE: "Data source" => "Fuente de datos";
    F_FROM: "From" => "Desde";
    F_TO: "To" => "Hasta";
    F_FORM: "Filter notifications" => "Filtrar notificaciones";
    F_SUMMARY: "Filters" => "Filtros";
    F_APPLY: "Apply filters" => "Aplicar filtros";
    F_CLEAR: "Clear filters" => "Quitar filtros";
    F_ANY: "Any" => "Cualquiera";
    // The notification table.
    T_CAPTION: "Notifications, newest first" => "Notificaciones, las más recientes primero";
    T_RECORDED: "Recorded" => "Registrada";
    T_ATTEMPTS: "Attempts" => "Intentos";
    T_LAST: " · last " => " · último ";
    LAST_ATTEMPT: "Last attempt" => "Último intento";
    // Subscription state.
    S_ACTIVE: "Active" => "Activa";
    S_INACTIVE: "Inactive" => "Inactiva";
    S_DISABLED_GONE: "Disabled: receiver answered 410 Gone" => "Desactivada: el receptor respondió 410 Gone";
    S_DISABLED_FAILING: "Disabled: failing for 5 days" => "Desactivada: 5 días fallando";
    S_DISABLED: "Disabled" => "Desactivada";
    RESEND_NEEDS: "Resending needs an active subscription. This one is " => "Reenviar requiere una suscripción activa. Esta está ";
    // Subscription facts.
    NOT_SUBSCRIBED_LEAD: "Not subscribed. The Notification Webhook is sold by ROOK staff, who also set its URLs and types: contact your ROOK account manager or "
        => "Sin suscripción. El Notification Webhook lo vende el personal de ROOK, que también define sus URL y tipos: contacte con su gestor de cuenta de ROOK o con ";
    WHO_CHANGES_LEAD: "ROOK staff set the URLs, their delivery rates, the notification types and the subscription. To change them, write to "
        => "El personal de ROOK define las URL, sus ritmos de entrega, los tipos de notificación y la suscripción. Para cambiarlos, escriba a ";
    WHO_CHANGES_TAIL: " with your client UUID." => " con el UUID de su cliente.";
    EVERY_TYPE: "Every type" => "Todos los tipos";
    FILTERED_NOTE: "Types not chosen are still recorded, as “Filtered out”, and are not sent; the feed lists them."
        => "Los tipos no elegidos se registran igualmente, como «Filtrada», y no se envían; el historial los muestra.";
    NW_STATE: "Notification Webhook: " => "Notification Webhook: ";
    SINCE: " since " => " desde ";
    NW_URL: "Notification Webhook URL" => "URL del Notification Webhook";
    NW_RATE: "Notification Webhook delivery rate" => "Ritmo de entrega del Notification Webhook";
    DW_URL: "Data Webhook URL" => "URL del Data Webhook";
    TYPES: "Notification types" => "Tipos de notificación";
    DW_RATE: "Data Webhook delivery rate" => "Ritmo de entrega del Data Webhook";
    RATE_ONE: "ROOK sends at most 1 delivery per second to this URL" => "ROOK envía como máximo 1 entrega por segundo a esta URL";
    RATE_NONE: "No limit: ROOK sends as fast as the receiver answers" => "Sin límite: ROOK envía tan rápido como responde el receptor";
    // Switches, copying, loading.
    LOADING: "Loading…" => "Cargando…";
    BACK_TO_OVERVIEW: "Back to the overview" => "Volver al resumen";
    // Charts.
    SUCCESS_PER_HOUR: "Success rate per hour" => "Tasa de éxito por hora";
    SUCCESS_PER_6H: "Success rate per 6 hours (UTC): " => "Tasa de éxito cada 6 horas (UTC): ";
    NO_ATTEMPTS: "no attempts" => "sin intentos";
    COL_DAY: "Day (UTC)" => "Día (UTC)";
    COL_SUCCESS_RATE: "Success rate" => "Tasa de éxito";
    COL_AVG_LATENCY: "Average latency" => "Latencia media";
    // Times.
    JUST_NOW: "just now" => "ahora mismo";
    YESTERDAY: "yesterday" => "ayer";
    YOUR_TIME: "(your time)" => "(su hora)";

    @nouns {
        ATTEMPTS_IN_A_ROW: ("failed attempt", "failed attempts in a row") => ("intento fallido", "intentos fallidos seguidos");
    }
}

/// An alert's count of failures: "Started failing: 3 failed attempts in a row".
pub fn alert_failing(lang: Lang, n: u64) -> String {
    format!("{}: {}", lang.t(ALERT_FAILING), lang.count_of(n, ATTEMPTS_IN_A_ROW))
}

sentences! {
    /// An attempt's heading: "Attempt 2 — Failed: HTTP 500".
    attempt_heading(number: u32, outcome: &str) {
        en: "Attempt {number} — {outcome}",
        es: "Intento {number} — {outcome}",
    }

    /// A delivery rate cap of more than one per second.
    rate_many(rate: u32) {
        en: "ROOK sends at most {rate} deliveries per second to this URL",
        es: "ROOK envía como máximo {rate} entregas por segundo a esta URL",
    }

    /// A number of days, for [`relative`].
    days(n: u64) { en: "{n} days", es: "{n} días" }

    /// "; worst hour 50 % at …".
    worst_hour(rate: f64, at: &str) { en: "; worst hour {rate:.0} % at {at}", es: "; peor hora {rate:.0} % a las {at}" }

    /// "; slowest hour averaged 300 ms at …".
    slowest_hour(ms: f64, at: &str) {
        en: "; slowest hour averaged {ms:.0} ms at {at}",
        es: "; la hora más lenta promedió {ms:.0} ms a las {at}",
    }

    /// The latency chart's caption.
    latency_caption(slowest_ms: f64) {
        en: "Average latency per hour (tallest: {slowest_ms:.0} ms)",
        es: "Latencia media por hora (la más alta: {slowest_ms:.0} ms)",
    }

    /// The per-day table's caption.
    per_day_caption(label: &str) {
        en: "{label} deliveries per day, last 7 days",
        es: "Entregas de {label} por día, últimos 7 días",
    }

    /// An hour's bar tip: "…: 3 delivered, 1 failed".
    hour_tip(hour: &str, delivered: u64, failed: u64) {
        en: "{hour}: {delivered} delivered, {failed} failed",
        es: "{hour}: {delivered} entregados, {failed} fallidos",
    }

    /// "83.3 % of 6 attempts succeeded".
    rate_of(rate: f64, attempts: u64) {
        en: "{rate:.1} % of {attempts} attempts succeeded",
        es: "el {rate:.1} % de {attempts} intentos tuvo éxito",
    }

    /// The latency chart's caption, per 6 hours.
    latency_6h(slowest_ms: f64) {
        en: "Average latency per 6 hours (UTC): slowest {slowest_ms:.0} ms",
        es: "Latencia media cada 6 horas (UTC): la más lenta {slowest_ms:.0} ms",
    }
}

/// A span of time before or after now, as people say it: "5 min ago", "hace 5 min", "in 4 min",
/// "dentro de 4 min". `span` is already in words ("5 min", "3 h", "2 days" / "2 días").
pub fn relative(lang: Lang, span: &str, ahead: bool) -> String {
    match (lang, ahead) {
        (Lang::En, false) => format!("{span} ago"),
        (Lang::En, true) => format!("in {span}"),
        (Lang::Es, false) => format!("hace {span}"),
        (Lang::Es, true) => format!("dentro de {span}"),
    }
}

/// The success-rate chart's summary, for screen readers and the chart's title. `worst` is
/// [`worst_hour`] or empty.
pub fn success_summary(lang: Lang, label: &str, rate: Option<f64>, attempts: u64, worst: &str) -> String {
    match (lang, rate) {
        (Lang::En, None) => format!("{label} success rate, last 7 days: no delivery attempts."),
        (Lang::Es, None) => format!("Tasa de éxito de {label}, últimos 7 días: ningún intento de entrega."),
        (Lang::En, Some(rate)) => {
            format!("{label} success rate, last 7 days: {rate:.1} % of {attempts} attempts succeeded{worst}.")
        }
        (Lang::Es, Some(rate)) => format!(
            "Tasa de éxito de {label}, últimos 7 días: el {rate:.1} % de {attempts} intentos tuvo éxito{worst}."
        ),
    }
}

/// The latency chart's summary. `slowest` is [`slowest_hour`] or empty.
pub fn latency_summary(lang: Lang, label: &str, average_ms: Option<f64>, slowest: &str) -> String {
    match (lang, average_ms) {
        (Lang::En, None) => format!("{label} average latency, last 7 days: no delivery attempts."),
        (Lang::Es, None) => format!("Latencia media de {label}, últimos 7 días: ningún intento de entrega."),
        (Lang::En, Some(ms)) => format!("{label} average latency, last 7 days: {ms:.0} ms{slowest}."),
        (Lang::Es, Some(ms)) => format!("Latencia media de {label}, últimos 7 días: {ms:.0} ms{slowest}."),
    }
}

/// The hourly chart's top: "1 attempt", "12 attempts".
pub fn attempts_top(lang: Lang, n: u64) -> String {
    match (lang, n) {
        (Lang::En, 1) => "1 attempt".to_owned(),
        (Lang::En, n) => format!("{n} attempts"),
        (Lang::Es, 1) => "1 intento".to_owned(),
        (Lang::Es, n) => format!("{n} intentos"),
    }
}
