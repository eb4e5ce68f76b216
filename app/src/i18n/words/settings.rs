//! The client's webhook settings page (`pages/settings/`): secrets, test notifications, API keys.

use crate::i18n::catalog::{catalog, sentences};

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

sentences! {
    /// "Sandbox Data Webhook".
    data_webhook_of(env: &str) { en: "{env} Data Webhook", es: "Data Webhook de {env}" }

    /// The reveal button.
    reveal(named: &str) { en: "Reveal {named} signing secret", es: "Revelar el secreto de firma de {named}" }

    /// The rotate button.
    rotate(named: &str) { en: "Rotate {named} secret", es: "Rotar el secreto de {named}" }

    /// A test's outcome.
    test_result(outcome: &str) { en: "Test result: {outcome}.", es: "Resultado de la prueba: {outcome}." }

    /// The send-test button.
    send_test_to(env: &str) { en: "Send test to {env}", es: "Enviar prueba a {env}" }
}
