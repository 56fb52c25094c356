-- Demo mode: one-time sign-in links that need no passkey, so someone
-- trying Upstand on their own machine can look around as a learner, a
-- trainer or an admin. Only the SHA-256 of a link's token is kept; using a
-- link deletes its row. The server makes and accepts them only with --demo
-- and a loopback base URL.
CREATE TABLE demo_links (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    org_id     uuid NOT NULL,
    person_id  uuid NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE
);
CREATE INDEX demo_links_expires_at ON demo_links (expires_at);

-- A session begun from a demo link: every page says so, and it stops
-- working if the server is started without --demo.
ALTER TABLE sessions ADD COLUMN demo boolean NOT NULL DEFAULT false;
