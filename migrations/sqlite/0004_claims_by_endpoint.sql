-- The dispatcher claims per endpoint, oldest due first: an index on (endpoint, due time) makes each
-- claim a seek to that endpoint's due rows, so its cost does not grow with the rest of the backlog.
-- A claim moves a row's due time to the end of its lease, so claimed rows leave the front of it. `id`
-- completes the claim's order (due time, then id), so a claim reads its LIMIT rows from the index
-- instead of sorting every due row of the endpoint.
CREATE INDEX notifications_due_by_endpoint ON notifications (client_uuid, environment, next_attempt_at, id)
    WHERE next_attempt_at IS NOT NULL;
CREATE INDEX data_deliveries_due_by_endpoint ON data_deliveries (client_uuid, environment, next_attempt_at, id)
    WHERE next_attempt_at IS NOT NULL;
