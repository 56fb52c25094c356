-- Every version of every module and scenario that was ever served, with its
-- canonical content, so that a learner's record (which names the version it
-- was made against) can always show exactly what they saw, even after the
-- files change. Rows are only ever added.
CREATE TABLE content_versions (
    kind          text NOT NULL CHECK (kind IN ('module', 'scenario')),
    id            text NOT NULL,
    version       text NOT NULL,
    canonical     jsonb NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, id, version)
);
