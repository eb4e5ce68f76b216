-- Commit order: `seq` numbers notifications and data deliveries in the order their transactions
-- committed, so a list `after` a row (the pull API, the live feed) misses nothing that committed later
-- with a smaller UUIDv7 id (ids are made before commit). Each writing transaction takes its numbers
-- from `commit_counters` (one row per table), whose row lock serialises the tail of concurrent writers:
-- a transaction gets its numbers only once every transaction with smaller ones has committed.
--
-- Existing rows are numbered in id order. SQLite adds a NOT NULL column only with a default: every
-- insert sets `seq` itself, and the unique index refuses a second row of a client without one.
ALTER TABLE notifications ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE notifications SET seq = ranked.n
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM notifications) AS ranked
    WHERE notifications.id = ranked.id;
CREATE UNIQUE INDEX notifications_by_client_seq ON notifications (client_uuid, seq);

ALTER TABLE data_deliveries ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE data_deliveries SET seq = ranked.n
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM data_deliveries) AS ranked
    WHERE data_deliveries.id = ranked.id;
CREATE UNIQUE INDEX data_deliveries_by_client_seq ON data_deliveries (client_uuid, seq);

-- The last `seq` given out, per table.
CREATE TABLE commit_counters (
    name     TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
);
INSERT INTO commit_counters (name, last_seq) SELECT 'notifications', COALESCE(MAX(seq), 0) FROM notifications;
INSERT INTO commit_counters (name, last_seq) SELECT 'data_deliveries', COALESCE(MAX(seq), 0) FROM data_deliveries;
