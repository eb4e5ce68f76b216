//! The notification pages: the feed (`pages/notifications/feed.rs`), a notification
//! (`detail.rs`) and its rejected data delivery (`rejected_data.rs`).

use crate::i18n::Lang;
use crate::i18n::catalog::{catalog, sentences};
use crate::vocab::{DataType, Pillar};

catalog! {
    // The feed.
    OLDER: "Older" => "Anteriores";
    NEWEST: "Newest" => "Más recientes";
    NO_MATCH: "No notification matches these filters." => "Ninguna notificación coincide con estos filtros.";
    NONE_YET: "No notifications yet." => "Todavía no hay notificaciones.";
    LIVE_ON: "Live: new notifications appear at the top. Each row's status and attempts change as attempts finish."
        => "En directo: las notificaciones nuevas aparecen arriba. El estado y los intentos de cada fila cambian cuando terminan los intentos.";
    LIVE_OFF: "This page does not change by itself: reload it to see new notifications and the latest status of each."
        => "Esta página no cambia sola: recárguela para ver las notificaciones nuevas y el último estado de cada una.";
    PAGES: "Pages" => "Páginas";
    SHOW_EVERY: "Show every notification" => "Mostrar todas las notificaciones";
    // A notification.
    RESEND_DATA_QUEUED: "Resend queued: the new attempt shows below once it is made."
        => "Reenvío en cola: el nuevo intento aparece abajo en cuanto se haga.";
    RESEND_DATA_RELOAD: "Resend queued. Reload the page to see the new attempt."
        => "Reenvío en cola. Recargue la página para ver el nuevo intento.";
    RESEND_WAITING: "Resend queued: waiting for the new attempt…" => "Reenvío en cola: esperando el nuevo intento…";
    RESEND_RELOAD: "Resend queued. Reload the page to see the new attempt once it has been made."
        => "Reenvío en cola. Recargue la página para ver el nuevo intento cuando se haya hecho.";
    NO_ANSWER: "no answer" => "sin respuesta";
    CURL_NOTE_1: "The last attempt's request, to send again by hand. Its signature was made for that attempt: "
        => "La solicitud del último intento, para enviarla de nuevo a mano. Su firma se hizo para ese intento: ";
    CURL_NOTE_2: "receivers reject signatures older than 5 minutes. Signing secrets are never part of it."
        => "los receptores rechazan firmas de más de 5 minutos. Los secretos de firma nunca forman parte de ella.";
    COPY_CURL: "Copy curl command" => "Copiar el comando curl";
    NO_REQUEST: "No attempt has been made yet: there is no request to copy."
        => "Todavía no se ha hecho ningún intento: no hay solicitud que copiar.";
    PAYLOAD_PURGED: "The payload was removed by retention." => "La retención eliminó el contenido.";
    NEXT_ATTEMPT: " · next attempt " => " · próximo intento ";
    DELIVERED_AT: " · delivered " => " · entregada ";
    NO_ATTEMPT: "No attempt yet." => "Todavía no hay intentos.";
    ALL_NOTIFICATIONS: "All notifications" => "Todas las notificaciones";
    TEST_NOTIFICATION: " (test notification)" => " (notificación de prueba)";
    RESEND: "Resend" => "Reenviar";
    DETAILS: "Details" => "Detalles";
    ID_WEBHOOK: "Id (webhook-id)" => "Id (webhook-id)";
    HAPPENED: "Happened" => "Ocurrió";
    PAYLOAD: "Payload" => "Contenido";
    COPY_AS_CURL: "Copy as curl" => "Copiar como curl";
    WHAT_TO_DO: "What to do: " => "Qué hacer: ";
    WHY: "Why" => "Por qué";
    A_DOCUMENT: "a document" => "un documento";
    DID_NOT_ACCEPT: "did not accept it" => "no lo aceptó";
    WILL_RETRY_AT: "ROOK will try again " => "ROOK lo intentará de nuevo ";
    WILL_RETRY: "ROOK will try again." => "ROOK lo intentará de nuevo.";
    WILL_NOT_RETRY: "ROOK will not try again on its own: resend it below once your Data Webhook is fixed."
        => "ROOK no lo intentará de nuevo por sí solo: reenvíelo abajo cuando su Data Webhook esté arreglado.";
    ANSWER_BEGAN: "Its answer began:" => "Su respuesta empezaba así:";
    REJECTED_HEADING: "What your Data Webhook rejected" => "Qué rechazó su Data Webhook";
    // The rejected data delivery.
    ACCEPTED_ON_RESEND: "Accepted on resend " => "Aceptada al reenviar ";
    ACCEPTED: "Accepted " => "Aceptada ";
    REJECTED_SO_FAR: "Rejected so far; another attempt is scheduled" => "Rechazada por ahora; hay otro intento programado";
    REJECTED_FINAL: "Rejected; no further attempt is scheduled" => "Rechazada; no hay más intentos programados";
    NEXT_DUE: "Next attempt due" => "Próximo intento";
    REJECTED_DELIVERY: "The rejected data delivery" => "La entrega de datos rechazada";
    DELIVERY_ID: "Data delivery id" => "Id de la entrega de datos";
    DOCUMENT: "Document" => "Documento";
    DOCUMENT_ID: "Document id" => "Id del documento";
    HANDED_OVER: "Handed over" => "Entregado a ROOK";
    DATA_PURGED: "Its payload was removed by retention: it cannot be sent again."
        => "La retención eliminó su contenido: no se puede volver a enviar.";
    RESEND_DATA: "Resend rejected data" => "Reenviar los datos rechazados";
}

/// A document's pillar in words.
pub const fn pillar(lang: Lang, p: Pillar) -> &'static str {
    match (lang, p) {
        (Lang::En, _) => p.as_str(),
        (Lang::Es, Pillar::Physical) => "física",
        (Lang::Es, Pillar::Sleep) => "sueño",
        (Lang::Es, Pillar::Body) => "cuerpo",
    }
}

/// A document's data type in words.
pub const fn data_type(lang: Lang, t: DataType) -> &'static str {
    match (lang, t) {
        (Lang::En, _) => t.as_str(),
        (Lang::Es, DataType::Event) => "evento",
        (Lang::Es, DataType::Summary) => "resumen",
    }
}

/// A document as "physical summary" / "resumen de física".
pub fn document(lang: Lang, p: Pillar, t: DataType) -> String {
    match lang {
        Lang::En => format!("{} {}", pillar(lang, p), data_type(lang, t)),
        Lang::Es => format!("{} de {}", data_type(lang, t), pillar(lang, p)),
    }
}

sentences! {
    /// The resend's attempt was delivered; `status` is " (HTTP 200)" or empty.
    resent_ok(status: &str) {
        en: "Resent: the new attempt was delivered{status}.",
        es: "Reenviada: el nuevo intento se entregó{status}.",
    }

    /// The resend's attempt failed.
    resent_failed(why: &str) {
        en: "Resent, but the new attempt failed: {why}. It is the newest under Attempts.",
        es: "Reenviada, pero el nuevo intento falló: {why}. Es el más reciente en Intentos.",
    }

    /// The heading of the rejected delivery's attempts.
    data_attempts_heading(count: usize) {
        en: "Attempts to your Data Webhook ({count}), newest first",
        es: "Intentos a su Data Webhook ({count}), los más recientes primero",
    }

    /// A notification page's heading: "user.created notification".
    heading(kind: &str) { en: "{kind} notification", es: "Notificación {kind}" }

    /// ROOK's own message about an extraction.
    rook_message(m: &str) { en: "ROOK's message: {m}", es: "Mensaje de ROOK: {m}" }

    /// The rejected document named, with its id.
    document_with_id(document: &str, id: &str) { en: "{document} (document {id})", es: "{document} (documento {id})" }

    /// How the Data Webhook answered: with a status.
    answered(status: u16) { en: "answered HTTP {status}", es: "respondió HTTP {status}" }

    /// How the Data Webhook answered: not at all.
    unreachable(why: &str) { en: "could not be reached: {why}", es: "no se pudo contactar: {why}" }

    /// " on attempt 3".
    on_attempt(n: u32) { en: " on attempt {n}", es: " en el intento {n}" }

    /// The rejection in one sentence.
    rejection(answer: &str, attempt: &str, document: &str) {
        en: "Your Data Webhook {answer}{attempt} when ROOK sent it {document}.",
        es: "Su Data Webhook {answer}{attempt} cuando ROOK le envió {document}.",
    }
}

/// The heading of a notification's attempts.
pub fn attempts_heading(lang: Lang, count: usize, rejection_notice: bool) -> String {
    match (lang, rejection_notice) {
        (Lang::En, true) => {
            format!("Attempts to send this notice to your Notification Webhook ({count}), newest first")
        }
        (Lang::En, false) => format!("Attempts ({count}), newest first"),
        (Lang::Es, true) => {
            format!("Intentos de enviar este aviso a su Notification Webhook ({count}), los más recientes primero")
        }
        (Lang::Es, false) => format!("Intentos ({count}), los más recientes primero"),
    }
}

/// "a physical summary" / "un resumen de física".
pub fn a_document(lang: Lang, p: Pillar, t: DataType) -> String {
    match (lang, t) {
        (Lang::En, _) => format!("a {}", document(lang, p, t)),
        (Lang::Es, _) => format!("un {}", document(lang, p, t)),
    }
}
