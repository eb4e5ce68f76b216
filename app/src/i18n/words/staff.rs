//! The staff pages: clients, a client's management, accounts, health and the audit log
//! (`pages/staff/`).

use crate::i18n::Lang;
use crate::i18n::catalog::{catalog, sentences};

catalog! {
    // The clients list.
    CLIENTS: "Clients" => "Clientes";
    FILTER_CLIENTS: "Filter clients" => "Filtrar clientes";
    NAME_OR_UUID: "Name or client UUID" => "Nombre o UUID del cliente";
    SEARCH: "Search" => "Buscar";
    NEW_CLIENT: "New client" => "Nuevo cliente";
    CLIENT_NAME: "Client name" => "Nombre del cliente";
    CLIENT_UUID_OPTIONAL: "Client UUID (optional)" => "UUID del cliente (opcional)";
    UUID_HINT: "ROOK's UUID of the client, when it already has one; a new one is made otherwise."
        => "El UUID del cliente en ROOK, si ya tiene uno; si no, se crea uno nuevo.";
    CREATE_CLIENT: "Create client" => "Crear cliente";
    COL_NAME: "Name" => "Nombre";
    COL_UUID: "Client UUID" => "UUID del cliente";
    COL_PAGES: "Pages" => "Páginas";
    NO_CLIENT: "No client matches." => "Ningún cliente coincide.";
    MANAGE: "Manage" => "Gestionar";
    CLIENT_PAGES: "Client pages" => "Páginas del cliente";
    OF: " of " => " de ";
    SINCE_COMMA: ", since " => ", desde ";
    // A client.
    ALL_CLIENTS: "All clients" => "Todos los clientes";
    CLIENT_UUID_LEAD: "Client UUID " => "UUID del cliente ";
    CLIENT_PAGES_WHAT: " (notifications, resending)" => " (notificaciones, reenvíos)";
    // Accounts.
    ACCOUNTS: "Dashboard accounts" => "Cuentas del panel";
    COL_EMAIL: "Email" => "Correo electrónico";
    COL_CREATED: "Created" => "Creada";
    NO_ACCOUNT: "No account signs in for this client yet." => "Todavía ninguna cuenta inicia sesión para este cliente.";
    NEW_ACCOUNT: "New account" => "Nueva cuenta";
    CREATE_ACCOUNT: "Create account" => "Crear cuenta";
    PASSWORD_HINT: "A password is generated and shown once, here." => "Se genera una contraseña y se muestra una sola vez, aquí.";
    // Form outcomes.
    SAVED_WARNING: "Saved, with a warning:" => "Guardado, con un aviso:";
    ACCOUNT_CREATED: "Account created. Give the client this sign-in over a safe channel. "
        => "Cuenta creada. Entregue al cliente estos datos de acceso por un canal seguro. ";
    PASSWORD_ONCE: "The password will not be shown again." => "La contraseña no se volverá a mostrar.";
    // An environment's settings.
    OFF: "off" => "desactivada";
    ON: "on" => "activada";
    PAUSED: "Delivery is paused: new notifications are held, and sent once the endpoint is re-enabled."
        => "La entrega está en pausa: las notificaciones nuevas se retienen y se envían cuando se reactive el endpoint.";
    REENABLE: "Re-enable " => "Reactivar ";
    SWITCH_HINT: "On needs a Notification Webhook URL. Off stops delivery, but notifications are still recorded (as not subscribed), so the client's history stays complete."
        => "Activarla necesita una URL de Notification Webhook. Desactivarla detiene la entrega, pero las notificaciones se siguen registrando (como sin suscripción), así que el historial del cliente queda completo.";
    SWITCH_OFF: "Switch off " => "Desactivar ";
    SUBSCRIPTION: "Notification Webhook subscription" => "Suscripción al Notification Webhook";
    SINCE: " since " => " desde ";
    URLS_AND_KEY: "Webhook URLs and ROOK hash key" => "URL de los webhooks y clave hash de ROOK";
    NW_URL: "Notification Webhook URL" => "URL del Notification Webhook";
    DW_URL: "Data Webhook URL" => "URL del Data Webhook";
    EMPTY_REMOVES: "An empty field removes the URL. " => "Un campo vacío elimina la URL. ";
    HTTPS_RULE: "Production URLs must use https. " => "Las URL de Producción deben usar https. ";
    MUST_DIFFER: "The Notification Webhook URL must differ from every Data Webhook URL of this client."
        => "La URL del Notification Webhook debe ser distinta de cada URL de Data Webhook de este cliente.";
    HASH_KEY: "ROOK hash key: " => "Clave hash de ROOK: ";
    SET: "set" => "definida";
    NOT_SET: "not set" => "sin definir";
    NEW_HASH_KEY: "New ROOK hash key" => "Nueva clave hash de ROOK";
    HASH_HINT_1: "Leave empty to keep the current key. It is never shown again once saved; it keys the legacy "
        => "Déjelo vacío para conservar la clave actual. No se vuelve a mostrar una vez guardada; firma la cabecera heredada ";
    HASH_HINT_2: " header." => ".";
    CLEAR_THE: "Clear the " => "Borrar la ";
    ROOK_HASH_KEY: "ROOK hash key" => "clave hash de ROOK";
    NW_RATE: "Notification Webhook: most deliveries per second" => "Notification Webhook: máximo de entregas por segundo";
    DW_RATE: "Data Webhook: most deliveries per second" => "Data Webhook: máximo de entregas por segundo";
    // Delivery health.
    HEALTH: "Delivery health" => "Salud de las entregas";
    NONE_DUE: "none due now" => "ninguna pendiente ahora";
    QUEUE: "Queue" => "Cola";
    QUEUED: "Queued (due now or awaiting a retry)" => "En cola (pendientes ahora o esperando un reintento)";
    LONGEST_WAIT: "Longest wait of a due notification" => "Mayor espera de una notificación pendiente";
    FAILING_NOW: "Failing now" => "Fallando ahora";
    DISABLED_ENDPOINTS: "Disabled endpoints" => "Endpoints desactivados";
    RECENT_ALERTS: "Recent alerts" => "Alertas recientes";
    NO_ATTEMPTS: "no attempts" => "sin intentos";
    LAST_24H: "Last 24 hours" => "Últimas 24 horas";
    ATTEMPTS: "Attempts" => "Intentos";
    DELIVERED: "Delivered" => "Entregadas";
    FAILED: "Failed" => "Fallidas";
    ERROR_RATE: "Error rate" => "Tasa de error";
    ATTEMPTS_PER_HOUR: "Attempts per hour, " => "Intentos por hora, ";
    HOUR_STARTS: " (hour starts). " => " (inicio de cada hora). ";
    NEVER: "never" => "nunca";
    FAILING_ENDPOINTS: "Failing endpoints" => "Endpoints que fallan";
    COL_CLIENT: "Client" => "Cliente";
    COL_FAILING_SINCE: "Failing since" => "Fallando desde";
    COL_CONSECUTIVE: "Consecutive failures" => "Fallos consecutivos";
    COL_LAST_SUCCESS: "Last success" => "Último éxito";
    NONE_FAILING: "No endpoint is failing." => "Ningún endpoint está fallando.";
    REENABLE_BUTTON: "Re-enable" => "Reactivar";
    COL_REASON: "Reason" => "Motivo";
    COL_SINCE: "Since" => "Desde";
    COL_ACTION: "Action" => "Acción";
    NONE_DISABLED: "No endpoint is disabled." => "Ningún endpoint está desactivado.";
    // The audit log.
    AUDIT: "Audit log" => "Registro de auditoría";
    ACTION_EXAMPLE: "e.g. subscription." => "p. ej. subscription.";
    FILTER: "Filter" => "Filtrar";
    AUDIT_CAPTION: "Audit log entries, newest first" => "Entradas del registro de auditoría, las más recientes primero";
    COL_TIME: "Time" => "Hora";
    COL_ACTOR: "Actor" => "Autor";
    COL_DETAIL: "Detail" => "Detalle";
    NO_ENTRY: "No entry matches." => "Ninguna entrada coincide.";
    AUDIT_PAGES: "Audit log pages" => "Páginas del registro de auditoría";
    ANY_CLIENT: "Any client" => "Cualquier cliente";
    YES: "yes" => "sí";
    NO: "no" => "no";
    NONE: "none" => "ninguno";
    RATE_HINT: ". Empty: no limit; otherwise 1 to 10000. With a backlog, first attempts go before retries, and retries keep a tenth of the rate."
        => ". Vacío: sin límite; si no, de 1 a 10000. Con acumulación, los primeros intentos van antes que los reintentos, y los reintentos conservan una décima parte del ritmo.";
}

sentences! {
    /// After switching a subscription.
    subscription_now(env: &str, now: &str) {
        en: "The {env} subscription is {now}.",
        es: "La suscripción de {env} está {now}.",
    }

    /// After saving an environment's settings.
    settings_saved(env: &str) { en: "{env} settings saved.", es: "Configuración de {env} guardada." }

    /// After re-enabling a client's endpoint.
    reenabled(client: &str, env: &str) {
        en: "Re-enabled {client} {env}: notifications held while it was disabled are being sent.",
        es: "Reactivado {env} de {client}: se están enviando las notificaciones retenidas mientras estaba desactivado.",
    }

    /// The hint when there is no URL to switch on with.
    set_url_first(env: &str) {
        en: "Set the {env} Notification Webhook URL below to switch the subscription on.",
        es: "Defina abajo la URL del Notification Webhook de {env} para activar la suscripción.",
    }

    /// What switching off does, said before it is done.
    switch_off_consequence(client: &str, env: &str) {
        en: "{client} will stop receiving {env} notifications; they will still be recorded, as not subscribed.",
        es: "{client} dejará de recibir las notificaciones de {env}; se seguirán registrando, como sin suscripción.",
    }

    /// The subscription switch's label.
    subscribed(env: &str) { en: "{env} subscribed", es: "{env} con suscripción" }

    /// The throughput chart's summary for screen readers.
    throughput_summary(all: u64, delivered: u64, failed: u64) {
        en: "Delivery attempts per hour over the last 24 hours: {all} in all, {delivered} delivered, {failed} failed.",
        es: "Intentos de entrega por hora en las últimas 24 horas: {all} en total, {delivered} entregados, {failed} fallidos.",
    }

    /// "from to to" of the chart's hours.
    span(from: &str, to: &str) { en: "{from} to {to}", es: "de {from} a {to}" }

    /// The settings form's button.
    save_settings(env: &str) { en: "Save {env} settings", es: "Guardar la configuración de {env}" }
}

/// An audit detail's field name in words (the server names them in snake case).
pub fn detail_field(lang: Lang, key: &str) -> String {
    let spanish = match key {
        "address" => "Dirección",
        "data_delivery_id" => "Id de la entrega de datos",
        "email" => "Correo electrónico",
        "key_id" => "Id de la clave",
        "name" => "Nombre",
        "notification_id" => "Id de la notificación",
        "purpose" => "Uso",
        "queued" => "En cola",
        "released_held" => "Retenidas liberadas",
        "remaining" => "Restantes",
        "role" => "Rol",
        "since" => "Desde",
        "stopped" => "Detenidas",
        "type" => "Tipo",
        "types" => "Tipos",
        "until" => "Hasta",
        "via" => "Vía",
        "active" => "Activa",
        "access" => "Acceso",
        "expires_at" => "Caduca",
        "reason" => "Motivo",
        "status" => "Estado",
        "subscription" => "Suscripción",
        "environment" => "Entorno",
        "notification_webhook_url" => "URL del Notification Webhook",
        "data_webhook_url" => "URL del Data Webhook",
        "rook_hash_key" => "Clave hash de ROOK",
        "notification_rate_limit" => "Ritmo del Notification Webhook",
        "data_rate_limit" => "Ritmo del Data Webhook",
        _ => "",
    };
    if lang == Lang::Es && !spanish.is_empty() {
        return spanish.to_owned();
    }
    let what = key.replace('_', " ");
    match what.get(..1) {
        Some(first) => first.to_uppercase() + &what[1..],
        None => what,
    }
}
