-- Commit order: `seq` numbers notifications and data deliveries in the order their transactions
-- committed, so a list `after` a row (the pull API, the live feed) misses nothing that committed later
-- with a smaller UUIDv7 id (ids are made before commit, and several processes write at once). Each
-- writing transaction takes its numbers from `commit_counters` (one row per table) with
-- `UPDATE … SET last_seq = last_seq + k RETURNING last_seq`: the row lock is held until commit, so a
-- transaction gets its numbers only once every transaction with smaller ones has committed (or rolled
-- back, giving its numbers back). A sequence would not do: nextval order is not commit order.
--
-- Existing rows are numbered in id order.
ALTER TABLE notifications ADD COLUMN seq BIGINT;
UPDATE notifications SET seq = ranked.n
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM notifications) AS ranked
    WHERE notifications.id = ranked.id;
ALTER TABLE notifications ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX notifications_by_client_seq ON notifications (client_uuid, seq);

ALTER TABLE data_deliveries ADD COLUMN seq BIGINT;
UPDATE data_deliveries SET seq = ranked.n
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM data_deliveries) AS ranked
    WHERE data_deliveries.id = ranked.id;
ALTER TABLE data_deliveries ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX data_deliveries_by_client_seq ON data_deliveries (client_uuid, seq);

-- The last `seq` given out, per table.
CREATE TABLE commit_counters (
    name     TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
INSERT INTO commit_counters (name, last_seq) SELECT 'notifications', COALESCE(MAX(seq), 0) FROM notifications;
INSERT INTO commit_counters (name, last_seq) SELECT 'data_deliveries', COALESCE(MAX(seq), 0) FROM data_deliveries;

-- During a rolling upgrade, processes of the previous release insert without `seq`: the default takes
-- the next number the same way, one row at a time (the current release sets it itself, one counter
-- update per transaction).
CREATE FUNCTION rook_next_seq(counter TEXT) RETURNS BIGINT LANGUAGE sql VOLATILE AS
    'UPDATE commit_counters SET last_seq = last_seq + 1 WHERE name = counter RETURNING last_seq';
ALTER TABLE notifications ALTER COLUMN seq SET DEFAULT rook_next_seq('notifications');
ALTER TABLE data_deliveries ALTER COLUMN seq SET DEFAULT rook_next_seq('data_deliveries');
