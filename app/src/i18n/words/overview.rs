//! The client's overview page (`pages/client/overview.rs`).

use crate::i18n::catalog::{catalog, sentences};

catalog! {
    RECENT_ALERTS: "Recent alerts" => "Alertas recientes";
    REENABLE_NOTE: "Re-enabling sends the notifications held while the endpoint was disabled."
        => "Al volver a activarlo se envían las notificaciones retenidas mientras el endpoint estaba desactivado.";
    LAST_SUCCESS: "last success " => "último éxito ";
    NO_SUCCESS: "no success recorded" => "ningún éxito registrado";
    FAILING_SINCE: "Failing since " => "Fallando desde ";
    NOT_SUBSCRIBED_WHY: " It is not subscribed: nothing is sent to it." => " No tiene suscripción: no se le envía nada.";
    LAST_24H: "Notifications in the last 24 hours" => "Notificaciones de las últimas 24 horas";
    LAST_7D: "Deliveries in the last 7 days" => "Entregas de los últimos 7 días";
}

sentences! {
    /// After re-enabling an endpoint.
    reenabled(env: &str) {
        en: "{env} re-enabled: held notifications are being sent.",
        es: "{env} reactivado: se están enviando las notificaciones retenidas.",
    }

    /// The button that re-enables an environment's endpoint.
    reenable(env: &str) { en: "Re-enable {env}", es: "Reactivar {env}" }

    /// An environment with nothing recorded and nothing attempted.
    quiet(env: &str, why: &str) {
        en: "{env}: no notifications in the last 24 hours and no deliveries in the last 7 days.{why}",
        es: "{env}: sin notificaciones en las últimas 24 horas ni entregas en los últimos 7 días.{why}",
    }
}
