//! The dashboard's errors in words. The server's services speak English (the JSON API stays English);
//! the dashboard translates at the last step, here, from what an `AppError` carries that is stable:
//! its kind, a conflict's `code`, and a validation error's `field` (its message read only to tell
//! apart the few rules that share a field). So a new server message can never show in English on a
//! Spanish page: an unknown one reads as the field's general sentence.

use crate::error::AppError;
use crate::i18n::Lang;
use crate::i18n::catalog::catalog;

catalog! {
    NOT_FOUND: "Not found." => "No encontrado.";
    ENDPOINT_DISABLED: "This endpoint is disabled: re-enable it first." => "Este endpoint está desactivado: vuelva a activarlo primero.";
    NOT_SUBSCRIBED: "The Notification Webhook subscription of this environment is not active."
        => "La suscripción al Notification Webhook de este entorno no está activa.";
    NOT_DISABLED: "This subscription is not disabled." => "Esta suscripción no está desactivada.";
    INVALID_SINCE: "Enter the date to resend from, such as 2026-11-22." => "Introduzca la fecha desde la que reenviar, como 2026-11-22.";
    INVALID_UNTIL: "The date to resend from must be in the past." => "La fecha desde la que reenviar debe estar en el pasado.";
    INVALID_VALUE: "A value in the form was not accepted; check it and try again."
        => "Un valor del formulario no fue aceptado; revíselo e inténtelo de nuevo.";
    LOGIN_RATE_LIMITED: "Too many failed sign-in attempts. Try again later."
        => "Demasiados intentos fallidos de inicio de sesión. Inténtelo de nuevo más tarde.";
}

impl Lang {
    /// The error as the page shows it, in this language.
    pub fn error(self, err: &AppError) -> String {
        match self {
            Lang::En => err.to_string(),
            Lang::Es => spanish(err),
        }
    }
}

/// The error in Spanish.
fn spanish(err: &AppError) -> String {
    match err {
        AppError::Unauthenticated => "Inicie sesión para continuar.".to_owned(),
        AppError::InvalidCredentials => "Correo electrónico o contraseña incorrectos.".to_owned(),
        AppError::RateLimited { retry_after_secs } => format!(
            "Demasiados intentos fallidos de inicio de sesión. Inténtelo de nuevo dentro de {retry_after_secs} segundos."
        ),
        AppError::NotFound { what } => format!("No se encontró {}.", thing(what)),
        AppError::Forbidden => "No tiene permiso para hacer eso.".to_owned(),
        AppError::Validation { field, message } => invalid(field, message),
        AppError::Conflict { code, .. } => conflict(code).to_owned(),
        AppError::Unavailable { retry_after_secs } => format!(
            "El servicio no está disponible por un momento; no se cambió nada. Inténtelo de nuevo dentro de {retry_after_secs} segundos."
        ),
        AppError::Internal => "Algo falló por nuestra parte. Quedó registrado; inténtelo de nuevo.".to_owned(),
        AppError::Transport(_) => {
            "No se pudo contactar con el servidor. Compruebe su conexión e inténtelo de nuevo.".to_owned()
        }
    }
}

/// What was not found ("Client", "Environment", …), with its article.
fn thing(what: &str) -> &'static str {
    match what.to_ascii_lowercase().as_str() {
        "client" => "el cliente",
        "environment" => "el entorno",
        "notification" => "la notificación",
        "data delivery" => "la entrega de datos",
        "api key" | "key" | "token" => "la clave de API",
        "account" => "la cuenta",
        _ => "lo que buscaba",
    }
}

/// A warning of a saved change (the server's only one: two environments share a Notification
/// Webhook URL).
pub fn warning(lang: Lang, warning: &str) -> String {
    match lang {
        Lang::En => warning.to_owned(),
        Lang::Es if warning.starts_with("The same Notification Webhook URL") => {
            "La misma URL de Notification Webhook se usa en los dos entornos: las notificaciones de ambos llegan a un \
             mismo receptor (el campo `environment` del contenido las distingue)."
                .to_owned()
        }
        Lang::Es => "Guardado, pero revise la configuración de este entorno.".to_owned(),
    }
}

/// A conflict by its stable code.
pub fn conflict(code: &str) -> &'static str {
    match code {
        "endpoint_disabled" => "Este endpoint está desactivado: vuelva a activarlo primero.",
        "not_subscribed" => "La suscripción al Notification Webhook de este entorno no está activa.",
        "not_disabled" => "Esta suscripción no está desactivada.",
        "payload_purged" => "La retención eliminó el contenido; no se puede volver a enviar.",
        "url_required" => "Falta la URL: defínala antes de continuar.",
        "already_exists" => "Ya existe un registro con ese valor.",
        "idempotency_key_reused" => "Esta Idempotency-Key ya se usó para otra solicitud.",
        _ => "La acción no es posible en el estado actual; recargue la página e inténtelo de nuevo.",
    }
}

/// A validation error by its field (and, where one field has several rules, its message).
fn invalid(field: &str, message: &str) -> String {
    let url = field.ends_with("_url") || field == "url";
    let words = match field {
        _ if url && message.contains("must differ") => {
            "Las URL del Notification Webhook y del Data Webhook de este cliente deben ser distintas entre sí."
        }
        _ if url && message.contains("https") && message.starts_with("Production") => {
            "Las URL de Producción deben usar https."
        }
        _ if url && message.contains("user name") => "La URL no debe contener usuario ni contraseña.",
        _ if url && message.contains("#fragment") => "La URL no debe contener un #fragmento.",
        _ if url && message.contains("switch it off") => {
            "La suscripción está activa: desactívela antes de quitar su URL del Notification Webhook."
        }
        _ if url && message.starts_with("Set the") => {
            "Defina la URL del Notification Webhook antes de activar la suscripción."
        }
        _ if url => "Introduzca una URL http(s) absoluta, como https://example.com/rook/notifications.",
        "understood" if message.contains("secret") => {
            "Confirme que entiende que el secreto actual sigue funcionando durante 24 horas."
        }
        "understood" => "Confirme que los programas que usen esta clave serán rechazados a partir de ahora.",
        "expires_in_days" => "La caducidad es de 1 a 3650 días, o ninguna.",
        "environment" => "Elija Sandbox o Producción.",
        "rook_hash_key" => "La clave hash de ROOK debe tener entre 1 y 512 caracteres.",
        "types" => "Elija al menos un tipo de notificación, o todos.",
        "q" => "La búsqueda es demasiado larga.",
        "name" => "El nombre debe tener entre 1 y 200 caracteres imprimibles (el de una clave, hasta 100).",
        "client_uuid" => "Se esperaba un UUID como 0196f0c8-8c2a-7c4e-9a51-6b1f0d2c3e4f.",
        "user_id" => "El user_id tiene entre 1 y 256 caracteres imprimibles.",
        "since" => "Introduzca la fecha desde la que reenviar, como 2026-11-22.",
        "until" => "La fecha desde la que reenviar debe estar en el pasado.",
        "input" => "El formulario contiene un valor que no se puede guardar (como un carácter no válido).",
        "request" => "No se pudo leer la solicitud.",
        _ => "Un valor del formulario no fue aceptado; revíselo e inténtelo de nuevo.",
    };
    words.to_owned()
}

#[cfg(test)]
mod tests {
    use crate::error::AppError;
    use crate::i18n::Lang;

    #[test]
    fn errors_read_in_spanish_whatever_the_server_said() {
        let https = AppError::validation("notification_webhook_url", "Production URLs must use https.");
        assert_eq!(Lang::Es.error(&https), "Las URL de Producción deben usar https.");
        assert_eq!(Lang::En.error(&https), "Production URLs must use https.");
        let novel = AppError::validation("something_new", "A brand new English rule.");
        assert!(!Lang::Es.error(&novel).contains("English"));
        let conflict =
            AppError::conflict("not_subscribed", "The Sandbox Notification Webhook subscription is not active.");
        assert!(Lang::Es.error(&conflict).starts_with("La suscripción"));
        assert_eq!(Lang::Es.error(&AppError::not_found("Notification")), "No se encontró la notificación.");
    }
}
