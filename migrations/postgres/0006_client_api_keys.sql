-- Client API keys: a client's own programs read (and, read-write, resend) its notifications and data
-- deliveries through the pull API. Only the SHA-256 digest of a key is stored; the key is shown once.
-- `environment` NULL means both environments. A key is never deleted: a revoked one stays listed.
CREATE TABLE client_api_keys (
    id           TEXT PRIMARY KEY,
    client_uuid  TEXT NOT NULL REFERENCES clients (client_uuid) ON DELETE CASCADE,
    environment  TEXT CHECK (environment IN ('sandbox', 'production')),
    name         TEXT NOT NULL,
    access       TEXT NOT NULL CHECK (access IN ('read_only', 'read_write')),
    key_sha256   TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX client_api_keys_by_client ON client_api_keys (client_uuid, id);

-- The addresses each key was used from: a use from an address not seen before is audited.
CREATE TABLE client_api_key_addresses (
    key_id        TEXT NOT NULL REFERENCES client_api_keys (id) ON DELETE CASCADE,
    address       TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (key_id, address)
);
