//! The shared vocabulary in words (`crate::vocab`): environments, categories, statuses, states,
//! attempt outcomes and triggers. The wire strings stay as they are; these are what people read.

use crate::i18n::Msg;
use crate::i18n::catalog::catalog;
use crate::vocab::{AttemptErrorKind, AttemptTrigger, Category, Environment, NotificationStatus};

catalog! {
    ENV_SANDBOX: "Sandbox" => "Sandbox";
    ENV_PRODUCTION: "Production" => "Producción";
    CAT_USER_MANAGEMENT: "User management" => "Gestión de usuarios";
    CAT_EXTRACTION_FAILURE: "Extraction failures" => "Fallos de extracción";
    CAT_REJECTED: "Rejected data" => "Datos rechazados";
    CAT_OPERATIONAL: "Operational" => "Operativas";
    ST_PENDING: "Pending" => "Pendiente";
    ST_RETRYING: "Retrying" => "Reintentando";
    ST_DELIVERED: "Delivered" => "Entregada";
    ST_FAILED: "Failed" => "Fallida";
    ST_NOT_SUBSCRIBED: "Not subscribed" => "Sin suscripción";
    ST_HELD: "Held" => "Retenida";
    ST_FILTERED: "Filtered out" => "Filtrada";
    EK_TIMEOUT: "the receiver did not answer within the timeout" => "el receptor no respondió dentro del tiempo límite";
    EK_DNS: "the receiver's host name could not be resolved" => "no se pudo resolver el nombre de host del receptor";
    EK_CONNECT: "no connection could be made to the receiver" => "no se pudo establecer conexión con el receptor";
    EK_TLS: "the secure (TLS) connection to the receiver failed" => "falló la conexión segura (TLS) con el receptor";
    EK_HTTP: "the receiver answered with a status other than 2xx" => "el receptor respondió con un estado distinto de 2xx";
    EK_REFUSED: "the receiver's address is private or reserved, so ROOK refused to send there"
        => "la dirección del receptor es privada o reservada, así que ROOK se negó a enviar allí";
    EL_TIMEOUT: "timed out" => "tiempo agotado";
    EL_DNS: "host not found" => "host no encontrado";
    EL_CONNECT: "no connection" => "sin conexión";
    EL_TLS: "TLS failed" => "falló TLS";
    EL_HTTP: "non-2xx answer" => "respuesta distinta de 2xx";
    EL_REFUSED: "address refused" => "dirección rechazada";
    TR_SCHEDULE: "Scheduled delivery" => "Entrega programada";
    TR_RESEND: "Manual resend" => "Reenvío manual";
    TR_BULK: "Bulk resend of failed notifications" => "Reenvío masivo de notificaciones fallidas";
    TR_TEST: "Test notification" => "Notificación de prueba";
}

/// How the dashboard names an environment.
pub const fn environment(e: Environment) -> Msg {
    match e {
        Environment::Sandbox => ENV_SANDBOX,
        Environment::Production => ENV_PRODUCTION,
    }
}

/// A category in words (filters and details); the wire value stays for programs.
pub const fn category(c: Category) -> Msg {
    match c {
        Category::UserManagement => CAT_USER_MANAGEMENT,
        Category::ExtractionFailure => CAT_EXTRACTION_FAILURE,
        Category::RejectedInformation => CAT_REJECTED,
        Category::Operational => CAT_OPERATIONAL,
    }
}

/// A notification's status in words.
pub const fn status(s: NotificationStatus) -> Msg {
    match s {
        NotificationStatus::Pending => ST_PENDING,
        NotificationStatus::Retrying => ST_RETRYING,
        NotificationStatus::Delivered => ST_DELIVERED,
        NotificationStatus::Failed => ST_FAILED,
        NotificationStatus::NotSubscribed => ST_NOT_SUBSCRIBED,
        NotificationStatus::Held => ST_HELD,
        NotificationStatus::Filtered => ST_FILTERED,
    }
}

/// Why an attempt failed, as a clause ("the receiver did not answer within the timeout").
pub const fn error_kind_words(kind: AttemptErrorKind) -> Msg {
    match kind {
        AttemptErrorKind::Timeout => EK_TIMEOUT,
        AttemptErrorKind::Dns => EK_DNS,
        AttemptErrorKind::Connect => EK_CONNECT,
        AttemptErrorKind::Tls => EK_TLS,
        AttemptErrorKind::HttpStatus => EK_HTTP,
        AttemptErrorKind::RefusedDestination => EK_REFUSED,
    }
}

/// Why an attempt failed, in two or three words (rows and lists).
pub const fn error_kind_label(kind: AttemptErrorKind) -> Msg {
    match kind {
        AttemptErrorKind::Timeout => EL_TIMEOUT,
        AttemptErrorKind::Dns => EL_DNS,
        AttemptErrorKind::Connect => EL_CONNECT,
        AttemptErrorKind::Tls => EL_TLS,
        AttemptErrorKind::HttpStatus => EL_HTTP,
        AttemptErrorKind::RefusedDestination => EL_REFUSED,
    }
}

/// What caused an attempt.
pub const fn trigger(t: AttemptTrigger) -> Msg {
    match t {
        AttemptTrigger::Schedule => TR_SCHEDULE,
        AttemptTrigger::Resend => TR_RESEND,
        AttemptTrigger::BulkResend => TR_BULK,
        AttemptTrigger::Test => TR_TEST,
    }
}
