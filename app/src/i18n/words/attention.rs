//! The Needs attention page (`pages/attention/`).

use crate::i18n::catalog::{catalog, sentences};

catalog! {
    LEAD_1: "Notifications whose retries are exhausted, and Data Webhook deliveries your "
        => "Notificaciones cuyos reintentos se agotaron, y entregas al Data Webhook que su ";
    LEAD_2: "receiver rejected for good. Resending queues an immediate new attempt; the "
        => "receptor rechazó definitivamente. Reenviar pone en cola un nuevo intento inmediato; el ";
    LEAD_3: "history stays." => "historial se conserva.";
    NONE_REMAIN: "none remain" => "no queda ninguna";
    ONE_REMAINS: "1 remains: resend again to queue it" => "queda 1: reenvíe de nuevo para ponerla en cola";
    RESEND_SINCE: "Resend all failed since" => "Reenviar todas las fallidas desde";
    YES_RESEND: "Yes, resend the failed notifications" => "Sí, reenviar las notificaciones fallidas";
    NOTHING_FAILED: "Nothing failed." => "No falló nada.";
    FAILED_NOTIFICATIONS: "Failed notifications" => "Notificaciones fallidas";
    REJECTED_RETRYING: "Rejected so far; retrying" => "Rechazada por ahora; reintentando";
    REJECTED: "Rejected" => "Rechazada";
    REJECTION_NOTICE: "Rejection notice" => "Aviso de rechazo";
    RESEND_DATA_SINCE: "Resend all rejected data since" => "Reenviar todos los datos rechazados desde";
    YES_RESEND_DATA: "Yes, resend the rejected data" => "Sí, reenviar los datos rechazados";
    REJECTED_DELIVERIES: "Rejected data deliveries" => "Entregas de datos rechazadas";
    COL_USER: "User" => "Usuario";
    COL_LAST_ERROR: "Last error" => "Último error";
    COL_NOTICE: "Notice" => "Aviso";
    NO_REJECTED: "No rejected data deliveries." => "No hay entregas de datos rechazadas.";
    ONLY_NEWEST: "Only the newest are listed." => "Solo se muestran las más recientes.";

    @nouns {
        FAILED_NOTIFICATION: ("failed notification", "failed notifications") => ("notificación fallida", "notificaciones fallidas");
        REJECTED_DELIVERY: ("rejected data delivery", "rejected data deliveries") => ("entrega de datos rechazada", "entregas de datos rechazadas");
    }
}

sentences! {
    /// More than one left after a bulk resend.
    remain(n: u64) {
        en: "{n} remain: resend again to queue them",
        es: "quedan {n}: reenvíe de nuevo para ponerlas en cola",
    }

    /// What a bulk resend queued; `queued` is already counted ("3 failed notifications").
    queued(queued: &str, remaining: &str) {
        en: "Queued {queued} for an immediate attempt; {remaining}.",
        es: "En cola para un intento inmediato: {queued}; {remaining}.",
    }

    /// How many are listed, or more.
    more_than(listed: usize) { en: "more than {listed}", es: "más de {listed}" }

    /// The consequence of resending failed notifications.
    failed_consequence(env: &str, listed: &str) {
        en: "Every failed {env} notification recorded since the day you choose gets an immediate new attempt \
             ({listed} listed below). Their history stays.",
        es: "Cada notificación fallida de {env} registrada desde el día que elija recibe un nuevo intento inmediato \
             ({listed} en la lista de abajo). Su historial se conserva.",
    }

    /// The button that opens the bulk resend's confirmation.
    resend_all_failed(env: &str) { en: "Resend all failed in {env}…", es: "Reenviar todas las fallidas en {env}…" }

    /// A link to the whole list.
    all_failed(env: &str) { en: "All failed {env} notifications", es: "Todas las notificaciones fallidas de {env}" }

    /// The consequence of resending rejected data.
    data_consequence(env: &str, listed: &str) {
        en: "Every {env} data delivery your Data Webhook rejected since the day you choose, for good or so far, \
             gets an immediate new attempt ({listed} listed below).",
        es: "Cada entrega de datos de {env} que su Data Webhook rechazó desde el día que elija, definitivamente o por \
             ahora, recibe un nuevo intento inmediato ({listed} en la lista de abajo).",
    }

    /// The button that opens the rejected data's confirmation.
    resend_rejected(env: &str) { en: "Resend rejected data in {env}…", es: "Reenviar los datos rechazados en {env}…" }

    /// The rejected deliveries' table caption.
    rejected_caption(env: &str) {
        en: "Rejected data deliveries in {env}, newest first",
        es: "Entregas de datos rechazadas en {env}, las más recientes primero",
    }
}
