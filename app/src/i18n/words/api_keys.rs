//! The client's API keys (`pages/settings/api_keys.rs`).

use crate::i18n::catalog::{catalog, sentences};

catalog! {
    API_KEYS: "API keys" => "Claves de API";
    INTRO_1: "Your programs can list, read and resend your notifications and data deliveries through the API "
        => "Sus programas pueden listar, leer y reenviar sus notificaciones y entregas de datos a través de la API ";
    INTRO_2: "with a key (send it as " => "con una clave (envíela como ";
    INTRO_3: "). A key is shown once; creating, first use from a new address and revoking are recorded in the audit log."
        => "). Una clave se muestra una sola vez; su creación, el primer uso desde una dirección nueva y su revocación quedan anotados en el registro de auditoría.";
    NAME: "Name" => "Nombre";
    BOTH: "Both environments" => "Ambos entornos";
    ACCESS: "Access" => "Acceso";
    READ_ONLY: "Read only" => "Solo lectura";
    READ_RESEND: "Read and resend" => "Lectura y reenvío";
    EXPIRES: "Expires" => "Caduca";
    NEVER: "Never" => "Nunca";
    IN_30: "In 30 days" => "En 30 días";
    IN_90: "In 90 days" => "En 90 días";
    IN_YEAR: "In a year" => "En un año";
    CREATE: "Create API key" => "Crear clave de API";
    NEW_KEY: "New API key" => "Nueva clave de API";
    COPY_KEY: "Copy API key" => "Copiar la clave de API";
    BOTH_LOWER: "both environments" => "ambos entornos";
    READ_ONLY_LOWER: "read only" => "solo lectura";
    READ_RESEND_LOWER: "read and resend" => "lectura y reenvío";
    REVOKED: "Revoked " => "Revocada ";
    EXPIRES_AT: "Expires " => "Caduca ";
    ACTIVE: "Active" => "Activa";
    REFUSED_FROM_NOW: "Programs using it are refused from now on" => "Los programas que la usen serán rechazados a partir de ahora";
    COL_SCOPE: "Scope" => "Alcance";
    COL_CREATED: "Created" => "Creada";
    COL_LAST_USED: "Last used" => "Último uso";
    COL_REVOKE: "Revoke" => "Revocar";
    NO_KEYS: "No API keys yet." => "Todavía no hay claves de API.";
}

sentences! {
    /// After revoking a key.
    revoked(name: &str) { en: "The key {name} is revoked.", es: "La clave {name} está revocada." }

    /// "Sandbox only".
    only(env: &str) { en: "{env} only", es: "Solo {env}" }

    /// A new key's announcement.
    new_key(name: &str) {
        en: "New API key {name}. Copy it now: it is not shown again.",
        es: "Nueva clave de API {name}. Cópiela ahora: no se vuelve a mostrar.",
    }

    /// The revoke button.
    revoke(name: &str) { en: "Revoke {name}", es: "Revocar {name}" }
}
