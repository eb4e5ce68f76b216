//! The Needs attention page (`pages/attention/`).

use crate::i18n::Lang;
use crate::i18n::catalog::catalog;

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

/// More than one left after a bulk resend.
pub fn remain(lang: Lang, n: u64) -> String {
    match lang {
        Lang::En => format!("{n} remain: resend again to queue them"),
        Lang::Es => format!("quedan {n}: reenvíe de nuevo para ponerlas en cola"),
    }
}

/// What a bulk resend queued; `queued` is already counted ("3 failed notifications").
pub fn queued(lang: Lang, queued: &str, remaining: &str) -> String {
    match lang {
        Lang::En => format!("Queued {queued} for an immediate attempt; {remaining}."),
        Lang::Es => format!("En cola para un intento inmediato: {queued}; {remaining}."),
    }
}

/// How many are listed, or more.
pub fn more_than(lang: Lang, listed: usize) -> String {
    match lang {
        Lang::En => format!("more than {listed}"),
        Lang::Es => format!("más de {listed}"),
    }
}

/// The consequence of resending failed notifications.
pub fn failed_consequence(lang: Lang, env: &str, listed: &str) -> String {
    match lang {
        Lang::En => format!(
            "Every failed {env} notification recorded since the day you choose gets an immediate new attempt \
             ({listed} listed below). Their history stays."
        ),
        Lang::Es => format!(
            "Cada notificación fallida de {env} registrada desde el día que elija recibe un nuevo intento inmediato \
             ({listed} en la lista de abajo). Su historial se conserva."
        ),
    }
}

/// The button that opens the bulk resend's confirmation.
pub fn resend_all_failed(lang: Lang, env: &str) -> String {
    match lang {
        Lang::En => format!("Resend all failed in {env}…"),
        Lang::Es => format!("Reenviar todas las fallidas en {env}…"),
    }
}

/// A link to the whole list.
pub fn all_failed(lang: Lang, env: &str) -> String {
    match lang {
        Lang::En => format!("All failed {env} notifications"),
        Lang::Es => format!("Todas las notificaciones fallidas de {env}"),
    }
}

/// The consequence of resending rejected data.
pub fn data_consequence(lang: Lang, env: &str, listed: &str) -> String {
    match lang {
        Lang::En => format!(
            "Every {env} data delivery your Data Webhook rejected since the day you choose, for good or so far, \
             gets an immediate new attempt ({listed} listed below)."
        ),
        Lang::Es => format!(
            "Cada entrega de datos de {env} que su Data Webhook rechazó desde el día que elija, definitivamente o por \
             ahora, recibe un nuevo intento inmediato ({listed} en la lista de abajo)."
        ),
    }
}

/// The button that opens the rejected data's confirmation.
pub fn resend_rejected(lang: Lang, env: &str) -> String {
    match lang {
        Lang::En => format!("Resend rejected data in {env}…"),
        Lang::Es => format!("Reenviar los datos rechazados en {env}…"),
    }
}

/// The rejected deliveries' table caption.
pub fn rejected_caption(lang: Lang, env: &str) -> String {
    match lang {
        Lang::En => format!("Rejected data deliveries in {env}, newest first"),
        Lang::Es => format!("Entregas de datos rechazadas en {env}, las más recientes primero"),
    }
}
