-- The delivery engine: users and their data-source links (the domain platform events update),
-- notifications (the outbox), their attempts, endpoint health, API tokens, idempotency keys, and the
-- hourly roll-up the dashboard's charts read.

ALTER TABLE environments ADD COLUMN failing_since BIGINT;          -- first failure since the last success
ALTER TABLE environments ADD COLUMN last_success_at BIGINT;
ALTER TABLE environments ADD COLUMN consecutive_failures BIGINT NOT NULL DEFAULT 0;
-- The notification types the subscription wants, comma-separated; NULL wants every type.
ALTER TABLE environments ADD COLUMN notification_types TEXT;

CREATE TABLE users (
    client_uuid TEXT NOT NULL,
    environment TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    deleted_at  BIGINT,
    PRIMARY KEY (client_uuid, environment, user_id)
);

CREATE TABLE user_data_sources (
    client_uuid TEXT NOT NULL,
    environment TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    data_source TEXT NOT NULL,
    linked      BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (client_uuid, environment, user_id, data_source)
);

-- `next_attempt_at` is set while a delivery is due or scheduled (pending, retrying) and NULL otherwise;
-- a dispatcher owns a row while `lease_until` is in the future. `resume_at` keeps the scheduled retry
-- a manual resend displaced, to restore it if the resend fails.
CREATE TABLE notifications (
    id                TEXT PRIMARY KEY,
    client_uuid       TEXT NOT NULL,
    environment       TEXT NOT NULL,
    type              TEXT NOT NULL,
    category          TEXT NOT NULL,
    user_id           TEXT,
    data_source       TEXT,
    occurred_at       BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    is_test           BIGINT NOT NULL DEFAULT 0,
    body              BYTEA,
    status            TEXT NOT NULL,
    attempt_count     BIGINT NOT NULL DEFAULT 0,
    -- Attempts made by the retry schedule (manual resends do not use up the schedule).
    scheduled_attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at   BIGINT,
    next_trigger      TEXT,
    next_triggered_by TEXT,
    resume_at         BIGINT,
    -- When a manual resend was last asked for: one asked while an attempt is in flight stays queued.
    resend_requested_at BIGINT,
    lease_until       BIGINT,
    last_attempt_at   BIGINT,
    delivered_at      BIGINT,
    last_error_kind   TEXT
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX notifications_by_client ON notifications (client_uuid, id);
CREATE INDEX notifications_by_client_environment ON notifications (client_uuid, environment, id);
CREATE INDEX notifications_by_client_type ON notifications (client_uuid, type, id);
CREATE INDEX notifications_by_client_category ON notifications (client_uuid, category, id);
CREATE INDEX notifications_by_client_status ON notifications (client_uuid, status, id);
CREATE INDEX notifications_by_client_user ON notifications (client_uuid, user_id, id);
CREATE INDEX notifications_by_endpoint_status ON notifications (client_uuid, environment, status, created_at);

-- Data Webhook deliveries: documents ROOK hands over, sent byte for byte to the environment's data
-- webhook URL by the same engine. `body` is purged after the retention period; the record stays.
CREATE TABLE data_deliveries (
    id                       TEXT PRIMARY KEY,
    client_uuid              TEXT NOT NULL,
    environment              TEXT NOT NULL,
    user_id                  TEXT NOT NULL,
    data_type                TEXT NOT NULL,
    pillar                   TEXT NOT NULL,
    document_id              TEXT,
    -- The text x-rook-hash covers: the payload's `datetime` as sent, or the time it was handed over.
    hash_datetime            TEXT NOT NULL,
    created_at               BIGINT NOT NULL,
    body                     BYTEA,
    body_purged_at           BIGINT,
    status                   TEXT NOT NULL,
    attempt_count            BIGINT NOT NULL DEFAULT 0,
    scheduled_attempts       BIGINT NOT NULL DEFAULT 0,
    next_attempt_at          BIGINT,
    next_trigger             TEXT,
    next_triggered_by        TEXT,
    resume_at                BIGINT,
    resend_requested_at      BIGINT,
    lease_until              BIGINT,
    last_attempt_at          BIGINT,
    delivered_at             BIGINT,
    last_error_kind          TEXT,
    rejection_notified       BIGINT NOT NULL DEFAULT 0,
    rejected_notification_id TEXT
);
CREATE INDEX data_deliveries_due ON data_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX data_deliveries_by_client ON data_deliveries (client_uuid, id);
CREATE INDEX data_deliveries_by_client_status ON data_deliveries (client_uuid, status, id);
CREATE INDEX data_deliveries_by_endpoint_status ON data_deliveries (client_uuid, environment, status, created_at);
CREATE INDEX data_deliveries_by_age ON data_deliveries (created_at) WHERE body IS NOT NULL;

-- An attempt belongs to a notification or to a data delivery.
CREATE TABLE attempts (
    id                  TEXT PRIMARY KEY,
    notification_id     TEXT REFERENCES notifications (id) ON DELETE CASCADE,
    data_delivery_id    TEXT REFERENCES data_deliveries (id) ON DELETE CASCADE,
    attempt_number      BIGINT NOT NULL,
    attempt_trigger     TEXT NOT NULL,
    triggered_by        TEXT,
    started_at          BIGINT NOT NULL,
    duration_us         BIGINT NOT NULL,
    url                 TEXT NOT NULL,
    request_headers     TEXT NOT NULL,
    response_status     BIGINT,
    response_headers    TEXT,
    response_body       TEXT,
    response_truncated  BIGINT NOT NULL DEFAULT 0,
    error_kind          TEXT,
    error_message       TEXT,
    succeeded           BIGINT NOT NULL,
    CHECK ((notification_id IS NULL) <> (data_delivery_id IS NULL))
);
CREATE INDEX attempts_by_notification ON attempts (notification_id, attempt_number);
CREATE INDEX attempts_by_data_delivery ON attempts (data_delivery_id, attempt_number);

-- Per client, environment and hour: what the engine did. The dashboard's charts read only this.
CREATE TABLE delivery_stats_hourly (
    client_uuid         TEXT NOT NULL,
    environment         TEXT NOT NULL,
    hour                BIGINT NOT NULL,
    attempts_succeeded  BIGINT NOT NULL DEFAULT 0,
    attempts_failed     BIGINT NOT NULL DEFAULT 0,
    latency_us_sum      BIGINT NOT NULL DEFAULT 0,
    latency_us_max      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (client_uuid, environment, hour)
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    token_sha256 TEXT NOT NULL UNIQUE,
    scope        TEXT NOT NULL CHECK (scope IN ('admin', 'ingest')),
    created_at   BIGINT NOT NULL
);

-- A repeated request with the same key (per token) gets the first answer back.
CREATE TABLE idempotency_keys (
    token_id        TEXT NOT NULL,
    key             TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,
    response_status BIGINT NOT NULL,
    response_body   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
