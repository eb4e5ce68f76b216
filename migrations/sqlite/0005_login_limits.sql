-- Sign-in limits live in the database, so several processes on one database count together (in each
-- process's memory, every process would allow the limit again). Keys are SHA-256 digests: what people
-- type in the email field (sometimes a password) is never stored.
CREATE TABLE login_failures (
    key_sha256   TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL
);
CREATE INDEX login_failures_by_window ON login_failures (window_start);

-- Devices (browsers) that signed in to an account: each holds a random token in a cookie, stored here
-- as its digest. Such a browser is let past the account-wide limit, so guesses from elsewhere do not
-- lock its owner out.
CREATE TABLE login_devices (
    token_sha256   TEXT PRIMARY KEY,
    account_sha256 TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX login_devices_by_expiry ON login_devices (expires_at);
