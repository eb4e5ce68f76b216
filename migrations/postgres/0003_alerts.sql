-- Operational alerts: an endpoint started failing, was disabled, or recovered. Shown to staff and to
-- the client, and POSTed to the staff alert URL when one is configured.
CREATE TABLE alerts (
    id            TEXT PRIMARY KEY,
    client_uuid   TEXT NOT NULL,
    environment   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('failing', 'disabled', 'recovered')),
    at            BIGINT NOT NULL,
    detail        TEXT NOT NULL,
    -- Sending to the staff alert URL: due while next_send_at is set.
    sent_at       BIGINT,
    send_attempts BIGINT NOT NULL DEFAULT 0,
    next_send_at  BIGINT
);
CREATE INDEX alerts_by_client ON alerts (client_uuid, id);
CREATE INDEX alerts_to_send ON alerts (next_send_at) WHERE next_send_at IS NOT NULL;
