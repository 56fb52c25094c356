-- Snapshots of the coverage pages that read a whole organisation's history
-- (the trend and the evaluation). A large organisation's page is served
-- from its snapshot, refreshed at most every few minutes, instead of
-- reading a million rows per view (docs/coverage.md, "Large
-- organisations"). scope says who the snapshot is for and how it was
-- filtered (the viewer's teams, the team and course chosen); data is the
-- worked-out figures, never a person's answers.
CREATE TABLE coverage_snapshots (
    org_id      uuid NOT NULL REFERENCES organisations (id),
    kind        text NOT NULL CHECK (kind IN ('trend', 'evaluation')),
    scope       text NOT NULL,
    computed_at timestamptz NOT NULL,
    took_ms     integer NOT NULL,
    -- rows is how many rows the figures were worked out from: what makes
    -- an organisation large enough to be served from snapshots.
    rows        integer NOT NULL,
    data        jsonb NOT NULL,
    PRIMARY KEY (org_id, kind, scope)
);

ALTER TABLE coverage_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE coverage_snapshots FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON coverage_snapshots USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
