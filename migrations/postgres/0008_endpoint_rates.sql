-- A delivery rate per endpoint: staff may cap the deliveries per second sent to an environment's
-- Notification Webhook URL and, separately, to its Data Webhook URL (NULL: no cap).
ALTER TABLE environments ADD COLUMN notification_rate_limit BIGINT CHECK (notification_rate_limit > 0);
ALTER TABLE environments ADD COLUMN data_rate_limit BIGINT CHECK (data_rate_limit > 0);

-- The cap's state, shared by every process: the next free send time of a capped endpoint and channel
-- (a "generic cell rate" schedule). A claim reserves one send time per row it takes, `1/cap` seconds
-- apart, and moves this forward; each delivery waits for its time. Kept apart from `environments`, so
-- claims do not wait for the recorder's health updates of the same row.
CREATE TABLE endpoint_rates (
    client_uuid  TEXT NOT NULL,
    environment  TEXT NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('notification', 'data')),
    next_send_at BIGINT NOT NULL,
    PRIMARY KEY (client_uuid, environment, channel),
    FOREIGN KEY (client_uuid, environment) REFERENCES environments (client_uuid, environment) ON DELETE CASCADE
);

-- A capped endpoint claims due retries apart from first attempts (first attempts go first, retries
-- keep a tenth of the sends). Only rows waiting for a retry are in these indexes: a delivery that
-- succeeds at once never enters them.
CREATE INDEX notifications_due_retries ON notifications (client_uuid, environment, next_attempt_at, id)
    WHERE next_attempt_at IS NOT NULL AND attempt_count > 0;
CREATE INDEX data_deliveries_due_retries ON data_deliveries (client_uuid, environment, next_attempt_at, id)
    WHERE next_attempt_at IS NOT NULL AND attempt_count > 0;
