//! The frame around every page (top bar, navigation, sign-in, not found) and words many pages share.

use crate::i18n::catalog::catalog;

catalog! {
    ROOK_STAFF: "ROOK staff" => "Personal de ROOK";
    CLIENT: "Client" => "Cliente";
    SIGN_OUT: "Sign out" => "Cerrar sesión";
    NAV_MAIN: "Main" => "Principal";
    NAV_LANGUAGE: "Language" => "Idioma";
    NAV_CLIENTS: "Clients" => "Clientes";
    NAV_HEALTH: "Delivery health" => "Salud de las entregas";
    NAV_AUDIT: "Audit log" => "Registro de auditoría";
    TAB_OVERVIEW: "Overview" => "Resumen";
    TAB_NOTIFICATIONS: "Notifications" => "Notificaciones";
    TAB_ATTENTION: "Needs attention" => "Requiere atención";
    TAB_SETTINGS: "Webhook settings" => "Configuración del webhook";
    NAV_CLIENT: "Client" => "Cliente";
    SIGN_IN: "Sign in" => "Iniciar sesión";
    EMAIL: "Email" => "Correo electrónico";
    PASSWORD: "Password" => "Contraseña";
    LOGIN_GUIDE_BEFORE: "Building a receiver? Read the " => "¿Está construyendo un receptor? Lea la ";
    LOGIN_GUIDE_LINK: "receiver guide" => "guía del receptor";
    LOGIN_GUIDE_AFTER: " — no account needed." => " — no necesita una cuenta.";
    NOT_FOUND_TITLE: "Page not found" => "Página no encontrada";
    NOT_FOUND_TEXT: "There is nothing at this address. " => "No hay nada en esta dirección. ";
    NOT_FOUND_BACK: "Back to the overview" => "Volver al resumen";
    LOADING: "Loading…" => "Cargando…";
    NONE: "none" => "ninguno";
    NOT_SET: "not set" => "sin definir";
    YES: "Yes" => "Sí";
    NO: "No" => "No";
    ON: "On" => "Sí";
    OFF: "Off" => "No";
    TEST_BADGE: "test" => "prueba";
    COPIED: "Copied to the clipboard." => "Copiado al portapapeles.";
}
