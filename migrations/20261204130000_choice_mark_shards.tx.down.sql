-- One row per mark again: the shards summed into shard 0. The rows are
-- read and written as the table's owner, past the organisation policy,
-- for these statements.
CREATE OR REPLACE FUNCTION scenario_mark(a scenario_attempts, m text, detail text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scenario_marks (org_id, scenario_id, scenario_version, mark, person_id)
    VALUES (a.org_id, a.scenario_id, a.scenario_version, m, a.person_id)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        INSERT INTO scenario_mark_counts AS c (org_id, scenario_id, scenario_version, mark, detail, learners)
        VALUES (a.org_id, a.scenario_id, a.scenario_version, m, detail, 1)
        ON CONFLICT (org_id, scenario_id, scenario_version, mark) DO UPDATE SET learners = c.learners + 1;
    END IF;
END;
$$;

ALTER TABLE scenario_mark_counts NO FORCE ROW LEVEL SECURITY;
UPDATE scenario_mark_counts c SET learners = s.learners, detail = s.detail
FROM (
    SELECT org_id, scenario_id, scenario_version, mark, sum(learners)::integer AS learners, max(detail) AS detail
    FROM scenario_mark_counts GROUP BY org_id, scenario_id, scenario_version, mark
) s
WHERE c.shard = 0 AND (c.org_id, c.scenario_id, c.scenario_version, c.mark) = (s.org_id, s.scenario_id, s.scenario_version, s.mark);
INSERT INTO scenario_mark_counts (org_id, scenario_id, scenario_version, mark, shard, detail, learners)
SELECT org_id, scenario_id, scenario_version, mark, 0, max(detail), sum(learners)::integer
FROM scenario_mark_counts
GROUP BY org_id, scenario_id, scenario_version, mark
HAVING NOT bool_or(shard = 0);
DELETE FROM scenario_mark_counts WHERE shard <> 0;
ALTER TABLE scenario_mark_counts FORCE ROW LEVEL SECURITY;

ALTER TABLE scenario_mark_counts DROP CONSTRAINT scenario_mark_counts_pkey;
ALTER TABLE scenario_mark_counts ADD PRIMARY KEY (org_id, scenario_id, scenario_version, mark);
ALTER TABLE scenario_mark_counts DROP COLUMN shard;
