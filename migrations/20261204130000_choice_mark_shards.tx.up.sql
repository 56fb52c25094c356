-- Choice analytics' counts (migration 20261203100000_choice_analytics) in
-- up to eight rows per mark instead of one. The trigger that stores a
-- choice adds the learner to their mark's count in the same transaction;
-- with one row per mark, every learner of an organisation reaching the
-- same node for the first time updated the same row and waited on its
-- lock until the transaction before had committed. Now each learner
-- counts in the row of their own shard (a hash of their id), so eight
-- learners can be counted at once, and the analytics page sums the
-- shards: the counts stay exact. Counts stored so far are shard 0.
ALTER TABLE scenario_mark_counts ADD COLUMN shard smallint NOT NULL DEFAULT 0 CHECK (shard BETWEEN 0 AND 7);
ALTER TABLE scenario_mark_counts DROP CONSTRAINT scenario_mark_counts_pkey;
ALTER TABLE scenario_mark_counts ADD PRIMARY KEY (org_id, scenario_id, scenario_version, mark, shard);

CREATE OR REPLACE FUNCTION scenario_mark(a scenario_attempts, m text, detail text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scenario_marks (org_id, scenario_id, scenario_version, mark, person_id)
    VALUES (a.org_id, a.scenario_id, a.scenario_version, m, a.person_id)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        INSERT INTO scenario_mark_counts AS c (org_id, scenario_id, scenario_version, mark, shard, detail, learners)
        VALUES (a.org_id, a.scenario_id, a.scenario_version, m, (hashtext(a.person_id::text) & 7)::smallint, detail, 1)
        ON CONFLICT (org_id, scenario_id, scenario_version, mark, shard) DO UPDATE SET learners = c.learners + 1;
    END IF;
END;
$$;
