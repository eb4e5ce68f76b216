-- Foundation: clients, their two environments, signing secrets, dashboard accounts, audit log.
-- Ids are UUIDv7 text (they sort by creation time); times are integer microseconds since the epoch.

CREATE TABLE clients (
    client_uuid TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX clients_by_name ON clients (lower(name));

CREATE TABLE environments (
    client_uuid              TEXT NOT NULL REFERENCES clients (client_uuid) ON DELETE CASCADE,
    environment              TEXT NOT NULL CHECK (environment IN ('sandbox', 'production')),
    notification_webhook_url TEXT,
    data_webhook_url         TEXT,
    rook_hash_key            TEXT,
    subscription_state       TEXT NOT NULL DEFAULT 'inactive'
                             CHECK (subscription_state IN ('active', 'inactive', 'disabled')),
    disabled_reason          TEXT CHECK (disabled_reason IN ('gone', 'failing')),
    state_since              INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    PRIMARY KEY (client_uuid, environment)
);

-- A secret is current while `retired_at` is NULL; after a rotation the previous one keeps signing
-- until `retired_at`.
CREATE TABLE signing_secrets (
    id          TEXT PRIMARY KEY,
    client_uuid TEXT NOT NULL,
    environment TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('notification', 'data')),
    secret      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER,
    FOREIGN KEY (client_uuid, environment) REFERENCES environments (client_uuid, environment) ON DELETE CASCADE
);
CREATE INDEX signing_secrets_by_environment ON signing_secrets (client_uuid, environment, purpose, created_at);

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('staff', 'client')),
    client_uuid   TEXT REFERENCES clients (client_uuid) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    CHECK ((role = 'client') = (client_uuid IS NOT NULL))
);

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    client_uuid TEXT,
    environment TEXT,
    detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_client ON audit_log (client_uuid, id);

-- Dashboard sessions, in the layout tower-sessions' SQLite store expects.
CREATE TABLE tower_sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);
