//! The receiver guide (`pages/settings/guide.rs`, `pages/guide.rs`). Its code samples, header names
//! and JSON stay as they are: they are code.

use crate::i18n::catalog::{catalog, sentences};

catalog! {
    PAGE_TITLE: "Receiver guide" => "Guía del receptor";
    PAGE_HEADING: "Receiving ROOK notifications" => "Recibir las notificaciones de ROOK";
    PAGE_LEAD_1: "How ROOK's Notification Webhook calls your receiver, what every notification looks like, and "
        => "Cómo llama el Notification Webhook de ROOK a su receptor, cómo es cada notificación y ";
    PAGE_LEAD_2: "how to verify that a request comes from ROOK. The OpenAPI document of the HTTP API, with these "
        => "cómo verificar que una solicitud viene de ROOK. El documento OpenAPI de la API HTTP, con estos ";
    PAGE_LEAD_3: "payloads as webhooks, is at " => "contenidos como webhooks, está en ";
    HEADING: "Receiver guide" => "Guía del receptor";
    INTRO_1: "Each notification is an HTTPS " => "Cada notificación es un ";
    INTRO_2: " of a JSON body to your Notification Webhook URL. " => " HTTPS de un cuerpo JSON a la URL de su Notification Webhook. ";
    INTRO_3: "Subscribing is sold by ROOK staff: contact your ROOK account manager or "
        => "La suscripción la vende el personal de ROOK: contacte con su gestor de cuenta de ROOK o con ";
    HEADERS: "Headers" => "Cabeceras";
    H_ID: "The notification's id: the same on every retry. Use it to drop duplicates."
        => "El id de la notificación: el mismo en cada reintento. Úselo para descartar duplicados.";
    H_TIMESTAMP: "When this attempt was sent, in Unix seconds." => "Cuándo se envió este intento, en segundos Unix.";
    H_SIG_1: "One or more space-separated " => "Una o más firmas ";
    H_SIG_2: " signatures (two for 24 hours after a secret rotation): HMAC-SHA256 of "
        => " separadas por espacios (dos durante 24 horas después de rotar un secreto): HMAC-SHA256 de ";
    H_SIG_3: " with your signing secret." => " con su secreto de firma.";
    H_HASH_1: "Only if ROOK set a secret hash key for you: the legacy hex HMAC-SHA256 of "
        => "Solo si ROOK le definió una clave hash secreta: el HMAC-SHA256 hexadecimal heredado de ";
    H_HASH_2: ". It does not cover the body: trust " => ". No cubre el cuerpo: confíe en ";
    VERIFY: "Verify every request" => "Verifique cada solicitud";
    VERIFY_1: "Use an official Standard Webhooks library with your signing secret (above). "
        => "Use una biblioteca oficial de Standard Webhooks con su secreto de firma (arriba). ";
    VERIFY_2: "They reject signatures older than 5 minutes." => "Rechazan las firmas de más de 5 minutos.";
    ANSWER: "Answer 2xx, fast" => "Responda 2xx, rápido";
    ANSWER_1: "Answer any 2xx within 15 seconds, then do the work: " => "Responda cualquier 2xx en menos de 15 segundos y después haga el trabajo: ";
    ANSWER_2: "store the notification and process it in the background." => "guarde la notificación y procésela en segundo plano.";
    REDIRECTS: "Redirects are not followed. Only the first 16 KiB of your answer are kept, for the dashboard."
        => "Las redirecciones no se siguen. Solo se guardan los primeros 16 KiB de su respuesta, para el panel.";
    RETRIES_1: "Without a 2xx, ROOK tries again after 10 s, 1 min, 10 min, 1 h, 2 h, 24 h and 48 h (each ±10 %), "
        => "Sin un 2xx, ROOK lo intenta de nuevo pasados 10 s, 1 min, 10 min, 1 h, 2 h, 24 h y 48 h (cada uno ±10 %), ";
    RETRIES_2: "then marks the notification failed; you can resend it from the dashboard. A 429 or 503 with "
        => "y después marca la notificación como fallida; puede reenviarla desde el panel. Un 429 o 503 con ";
    RETRIES_3: " moves the next attempt later." => " retrasa el siguiente intento.";
    DISABLED_1: "An endpoint that answers 410 Gone, or has failed for 5 days, is disabled: "
        => "Un endpoint que responde 410 Gone, o que lleva 5 días fallando, se desactiva: ";
    DISABLED_2: "new notifications are held and sent when it is re-enabled."
        => "las notificaciones nuevas se retienen y se envían cuando se vuelve a activar.";
    DUPLICATES: "Duplicates and order" => "Duplicados y orden";
    AT_LEAST_ONCE: "Delivery is at least once: de-duplicate by " => "La entrega es al menos una vez: elimine duplicados por ";
    ORDER_1: "Order is not guaranteed (retries, concurrency): the payload's "
        => "El orden no está garantizado (reintentos, concurrencia): el campo ";
    ORDER_2: " says when the event happened." => " del contenido dice cuándo ocurrió el evento.";
    TYPES: "Notification types" => "Tipos de notificación";
    WHY_FAILED: "Why an extraction failed" => "Por qué falló una extracción";
    WHY_1: "The " => "El ";
    WHY_2: " of an " => " de una notificación ";
    WHY_3: " notification says why; what it means depends on where the data source keeps its data:"
        => " dice por qué; lo que significa depende de dónde guarda sus datos la fuente de datos:";
    COL_REASON: "reason" => "reason";
    COL_WHAT: "What happened" => "Qué ocurrió";
    COL_NEXT: "What to do" => "Qué hacer";
}

sentences! {
    /// " (category user_management)" after a type's name.
    category_of(category: &str) { en: " (category {category})", es: " (categoría {category})" }
}
