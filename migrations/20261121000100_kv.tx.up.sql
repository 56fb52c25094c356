-- Short-lived key/value entries shared by every app server: CSRF tokens and
-- rate-limit counters (Fiber middleware storage). Expired rows are ignored
-- on read and swept periodically.
CREATE TABLE kv (
    key        text PRIMARY KEY,
    value      bytea NOT NULL,
    expires_at timestamptz
);
CREATE INDEX kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
