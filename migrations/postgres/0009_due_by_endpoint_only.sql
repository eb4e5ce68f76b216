-- Due work is found per endpoint only, through `*_due_by_endpoint` (migration 0004). The index on the
-- due time alone competed with it: once Postgres had statistics on a table (its autovacuum analyses
-- it), it planned an endpoint's claim on the due-time index, reading every endpoint's due rows in
-- due order and filtering for one, so behind a 20,000-row backlog of one endpoint a claim for any
-- other took 41-63 ms and their first attempts waited 47-143 ms (medians of runs). The next due time
-- and the endpoints with due work are read per endpoint now, one index probe each, like a claim;
-- every claim and delivery also writes one index fewer.
DROP INDEX notifications_due;
DROP INDEX data_deliveries_due;
