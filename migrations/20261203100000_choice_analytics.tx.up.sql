-- Choice analytics (docs/authoring.md): how an organisation's learners move
-- through each version of a scenario, counted in distinct learners and kept
-- up to date by triggers as choices are stored, so that reading them costs
-- one indexed query however many attempts there are, and no code path that
-- stores a choice can forget them.
--
-- scenario_marks holds one row per learner per thing that can be counted in
-- a scenario version: "node:<id>" (reached that node), "choice:<node>:<n>"
-- (took that choice there), "ending:<kind>" (finished with that outcome) and
-- "path:<md5>" (finished along that path). Its only use is to know whether
-- a learner is already counted; nothing reads it to show a person.
-- scenario_mark_counts holds how many distinct learners have each mark, and
-- for a path the path itself ("node:choice node:choice ..."). Playtests
-- store no attempts, so they never reach either table.
CREATE TABLE scenario_marks (
    org_id           uuid NOT NULL,
    scenario_id      text NOT NULL,
    scenario_version text NOT NULL,
    mark             text NOT NULL,
    person_id        uuid NOT NULL,
    PRIMARY KEY (org_id, scenario_id, scenario_version, mark, person_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);

CREATE TABLE scenario_mark_counts (
    org_id           uuid NOT NULL REFERENCES organisations (id),
    scenario_id      text NOT NULL,
    scenario_version text NOT NULL,
    mark             text NOT NULL,
    detail           text NOT NULL DEFAULT '',
    learners         integer NOT NULL CHECK (learners >= 1),
    PRIMARY KEY (org_id, scenario_id, scenario_version, mark)
);

-- scenario_mark counts a learner once for a mark.
CREATE FUNCTION scenario_mark(a scenario_attempts, m text, detail text) RETURNS void LANGUAGE plpgsql AS $$
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

-- An attempt reaches the node its state is at: the start when it is made,
-- and the node each choice leads to.
CREATE FUNCTION scenario_attempts_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.state->>'node' IS DISTINCT FROM OLD.state->>'node' THEN
        PERFORM scenario_mark(NEW, 'node:' || (NEW.state->>'node'), '');
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER scenario_attempts_mark AFTER INSERT OR UPDATE ON scenario_attempts
    FOR EACH ROW EXECUTE FUNCTION scenario_attempts_mark();

-- A stored choice counts the choice; the choice that finishes an attempt
-- (the attempt is updated before its choice row is added) counts the
-- outcome and the whole path.
CREATE FUNCTION scenario_choices_mark() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    a scenario_attempts;
    p text;
BEGIN
    SELECT * INTO a FROM scenario_attempts WHERE id = NEW.attempt_id;
    PERFORM scenario_mark(a, 'choice:' || NEW.node || ':' || NEW.choice, '');
    IF a.finished_at IS NOT NULL THEN
        PERFORM scenario_mark(a, 'ending:' || a.outcome, '');
        SELECT string_agg(c.node || ':' || c.choice, ' ' ORDER BY c.seq) INTO p
        FROM scenario_choices c WHERE c.attempt_id = NEW.attempt_id;
        PERFORM scenario_mark(a, 'path:' || md5(p), p);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER scenario_choices_mark AFTER INSERT ON scenario_choices
    FOR EACH ROW EXECUTE FUNCTION scenario_choices_mark();

-- Count what is already stored. The tables are read as their owner, past
-- the organisation policies, for this one statement each.
ALTER TABLE scenario_attempts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE scenario_choices NO FORCE ROW LEVEL SECURITY;

INSERT INTO scenario_marks (org_id, scenario_id, scenario_version, mark, person_id)
SELECT DISTINCT a.org_id, a.scenario_id, a.scenario_version, m.mark, a.person_id
FROM scenario_attempts a
CROSS JOIN LATERAL (
    SELECT 'node:' || (a.state->>'node') AS mark
    UNION SELECT 'node:' || c.node FROM scenario_choices c WHERE c.attempt_id = a.id
    UNION SELECT 'choice:' || c.node || ':' || c.choice FROM scenario_choices c WHERE c.attempt_id = a.id
    UNION SELECT 'ending:' || a.outcome WHERE a.finished_at IS NOT NULL
) m;

WITH paths AS (
    SELECT a.org_id, a.scenario_id, a.scenario_version, a.person_id,
           string_agg(c.node || ':' || c.choice, ' ' ORDER BY c.seq) AS p
    FROM scenario_attempts a JOIN scenario_choices c ON c.attempt_id = a.id
    WHERE a.finished_at IS NOT NULL
    GROUP BY a.id
)
INSERT INTO scenario_marks (org_id, scenario_id, scenario_version, mark, person_id)
SELECT DISTINCT org_id, scenario_id, scenario_version, 'path:' || md5(p), person_id FROM paths;

INSERT INTO scenario_mark_counts (org_id, scenario_id, scenario_version, mark, learners)
SELECT org_id, scenario_id, scenario_version, mark, count(*)
FROM scenario_marks GROUP BY org_id, scenario_id, scenario_version, mark;

WITH paths AS (
    SELECT DISTINCT ON (md5(p)) md5(p) AS h, p FROM (
        SELECT string_agg(c.node || ':' || c.choice, ' ' ORDER BY c.seq) AS p
        FROM scenario_attempts a JOIN scenario_choices c ON c.attempt_id = a.id
        WHERE a.finished_at IS NOT NULL
        GROUP BY a.id
    ) x
)
UPDATE scenario_mark_counts SET detail = paths.p FROM paths WHERE mark = 'path:' || paths.h;

ALTER TABLE scenario_attempts FORCE ROW LEVEL SECURITY;
ALTER TABLE scenario_choices FORCE ROW LEVEL SECURITY;

ALTER TABLE scenario_marks ENABLE ROW LEVEL SECURITY;
ALTER TABLE scenario_marks FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON scenario_marks USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
ALTER TABLE scenario_mark_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE scenario_mark_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON scenario_mark_counts USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
-- Counts only ever grow; marks are never taken back.
REVOKE UPDATE, DELETE ON scenario_marks FROM upstand_app;
