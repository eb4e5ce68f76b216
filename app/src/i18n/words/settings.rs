//! The client's webhook settings page (`pages/settings/`): secrets, test notifications, API keys.

use crate::i18n::Lang;
use crate::i18n::catalog::catalog;

catalog! {
    NEED_JS: "Revealing and rotating secrets, sending test notifications and API keys need JavaScript."
        => "Revelar y rotar secretos, enviar notificaciones de prueba y las claves de API necesitan JavaScript.";
    TEST_NEEDS_ACTIVE: "Test notifications need an active subscription."
        => "Las notificaciones de prueba necesitan una suscripción activa.";
    NOTIFICATION_SECRET: "Notification signing secret" => "Secreto de firma de las notificaciones";
    NOTIFICATION_SECRET_WHAT: "Every notification is signed with this secret (Standard Webhooks, see the receiver guide)."
        => "Cada notificación se firma con este secreto (Standard Webhooks, vea la guía del receptor).";
    DATA_SECRET: "Data Webhook signing secret" => "Secreto de firma del Data Webhook";
    DATA_SECRET_WHAT: "Every document sent to your Data Webhook URL is signed with this secret: verify those requests with it, as the receiver guide shows for notifications."
        => "Cada documento enviado a la URL de su Data Webhook se firma con este secreto: verifique esas solicitudes con él, como muestra la guía del receptor para las notificaciones.";
    UNDERSTOOD: "I understand the current secret keeps working for 24 hours"
        => "Entiendo que el secreto actual sigue funcionando durante 24 horas";
    UNDERSTOOD_DATA: "I understand the current Data Webhook secret keeps working for 24 hours"
        => "Entiendo que el secreto actual del Data Webhook sigue funcionando durante 24 horas";
    CURRENT_SECRET: "Current secret" => "Secreto actual";
    NEW_SECRET: "New secret" => "Secreto nuevo";
    PREVIOUS_KEEPS: "The previous secret keeps signing for 24 hours, so receivers can switch without a gap."
        => "El secreto anterior sigue firmando durante 24 horas, para que los receptores puedan cambiar sin interrupción.";
    REVEAL_AUDITED: " Revealing it is recorded in the audit log." => " Revelarlo queda anotado en el registro de auditoría.";
    COPY_SECRET: "Copy secret" => "Copiar el secreto";
    HIDE: "Hide" => "Ocultar";
    OPEN_TEST: "Open the test notification" => "Abrir la notificación de prueba";
    TEST_WAITING: "Test notification sent: waiting for its first attempt…"
        => "Notificación de prueba enviada: esperando su primer intento…";
    SEND_TEST: "Send a test notification" => "Enviar una notificación de prueba";
}

/// "Sandbox Data Webhook".
pub fn data_webhook_of(lang: Lang, env: &str) -> String {
    match lang {
        Lang::En => format!("{env} Data Webhook"),
        Lang::Es => format!("Data Webhook de {env}"),
    }
}

/// The reveal button.
pub fn reveal(lang: Lang, named: &str) -> String {
    match lang {
        Lang::En => format!("Reveal {named} signing secret"),
        Lang::Es => format!("Revelar el secreto de firma de {named}"),
    }
}

/// The rotate button.
pub fn rotate(lang: Lang, named: &str) -> String {
    match lang {
        Lang::En => format!("Rotate {named} secret"),
        Lang::Es => format!("Rotar el secreto de {named}"),
    }
}

/// A test's outcome.
pub fn test_result(lang: Lang, outcome: &str) -> String {
    match lang {
        Lang::En => format!("Test result: {outcome}."),
        Lang::Es => format!("Resultado de la prueba: {outcome}."),
    }
}

/// The send-test button.
pub fn send_test_to(lang: Lang, env: &str) -> String {
    match lang {
        Lang::En => format!("Send test to {env}"),
        Lang::Es => format!("Enviar prueba a {env}"),
    }
}
