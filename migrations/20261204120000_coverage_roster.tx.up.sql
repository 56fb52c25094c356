-- The responder roster kept by the database (docs/coverage.md, "Responder
-- roster"; docs/benchmarks.md, "Coverage at 50,000 learners"): one row per
-- team and active person in it with the organisation's responder label,
-- saying whether they hold a completion of every course the team's
-- responders need and when the first of those completions expires. Kept in
-- the same transaction as every change that moves it, so that the roster
-- reads a few thousand rows instead of every responder's duties.
--
-- Whether someone is in date depends on the time only through one date,
-- their earliest expiry: in date at t when complete and (until IS NULL or
-- until > t). So the rows need no work as time passes.
--
-- The courses a team's responders need are those required of the
-- responder label everywhere or in that team, and those required of
-- everyone in the team (as org.Coverage.Roster says).

CREATE TABLE coverage_roster (
    org_id       uuid NOT NULL,
    team_id      uuid NOT NULL,
    person_id    uuid NOT NULL,
    -- name: the person's, kept as it changes, so that the roster is read
    -- in order from this table alone.
    name         text NOT NULL,
    -- complete: a completion (that counts) of every course the team's
    -- responders need, and there is at least one such course.
    complete     boolean NOT NULL,
    -- until: the earliest expiry of those completions (NULL: none
    -- expires, or not complete); until_module: its course.
    until        timestamptz,
    until_module text,
    PRIMARY KEY (org_id, team_id, person_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX coverage_roster_person ON coverage_roster (org_id, person_id);
-- The roster's order: by team, then name.
CREATE INDEX coverage_roster_order ON coverage_roster (org_id, team_id, lower(name), person_id);

-- The roster's rows as worked out from scratch, for people ps (NULL:
-- everyone) of organisation o.
CREATE FUNCTION coverage_roster_rows(o uuid, ps uuid[])
RETURNS TABLE (team_id uuid, person_id uuid, name text, complete boolean, until timestamptz, until_module text)
LANGUAGE sql STABLE AS $$
WITH lab AS (
    SELECT responder_label_id AS id FROM organisations WHERE id = o AND responder_label_id IS NOT NULL
), resp AS (
    SELECT tm.team_id, tm.person_id, p.name, lab.id AS label_id
    FROM team_members tm
    CROSS JOIN lab
    JOIN person_labels pl ON pl.org_id = tm.org_id AND pl.person_id = tm.person_id AND pl.label_id = lab.id
    JOIN people p ON p.org_id = tm.org_id AND p.id = tm.person_id AND p.active
    WHERE tm.org_id = o AND (ps IS NULL OR tm.person_id = ANY(ps))
), need AS (
    SELECT DISTINCT r.team_id, r.person_id, q.module_id
    FROM resp r
    JOIN requirements q ON q.org_id = o
     AND ((q.label_id = r.label_id AND (q.team_id IS NULL OR q.team_id = r.team_id))
       OR (q.label_id IS NULL AND q.team_id = r.team_id))
), held AS (
    SELECT n.team_id, n.person_id,
        bool_and(d.done_at IS NOT NULL) AS complete,
        min(d.key_at) AS until,
        (array_agg(n.module_id ORDER BY d.key_at, n.module_id) FILTER (WHERE d.key_at IS NOT NULL))[1] AS until_module
    FROM need n
    LEFT JOIN coverage_duties d ON d.org_id = o AND d.person_id = n.person_id AND d.module_id = n.module_id
    GROUP BY n.team_id, n.person_id
)
SELECT r.team_id, r.person_id, r.name, coalesce(h.complete, false),
    CASE WHEN h.complete THEN h.until END, CASE WHEN h.complete THEN h.until_module END
FROM resp r
LEFT JOIN held h ON h.team_id = r.team_id AND h.person_id = r.person_id
$$;

-- coverage_roster_refresh works out the rows of people ps (NULL: all; a
-- large set is done as all) again and writes what differs.
CREATE FUNCTION coverage_roster_refresh(o uuid, ps uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM coverage_lock(o);
    IF cardinality(ps) > 1000 THEN
        ps := NULL;
    END IF;
    WITH want AS (
        SELECT * FROM coverage_roster_rows(o, ps)
    ), gone AS (
        DELETE FROM coverage_roster r
        WHERE r.org_id = o AND (ps IS NULL OR r.person_id = ANY(ps))
          AND NOT EXISTS (SELECT 1 FROM want w WHERE w.team_id = r.team_id AND w.person_id = r.person_id)
    )
    INSERT INTO coverage_roster AS r (org_id, team_id, person_id, name, complete, until, until_module)
    SELECT o, w.team_id, w.person_id, w.name, w.complete, w.until, w.until_module FROM want w
    ON CONFLICT (org_id, team_id, person_id) DO UPDATE SET
        name = EXCLUDED.name, complete = EXCLUDED.complete, until = EXCLUDED.until, until_module = EXCLUDED.until_module
    WHERE (r.name, r.complete, r.until, r.until_module) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.complete, EXCLUDED.until, EXCLUDED.until_module);
END;
$$;

-- People whose duties or scopes (teams, labels, being active) changed:
-- their rows. Only organisations with a responder label keep rows.
CREATE FUNCTION coverage_roster_people_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
    src text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT org_id, person_id FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT org_id, person_id FROM old_rows'
        ELSE 'SELECT org_id, person_id FROM new_rows UNION SELECT org_id, person_id FROM old_rows' END;
BEGIN
    FOR r IN EXECUTE 'SELECT x.org_id, array_agg(DISTINCT x.person_id) AS ps FROM (' || src || ') x
        JOIN organisations og ON og.id = x.org_id
        WHERE og.responder_label_id IS NOT NULL OR EXISTS (SELECT 1 FROM coverage_roster cr WHERE cr.org_id = x.org_id)
        GROUP BY x.org_id ORDER BY x.org_id' LOOP
        PERFORM coverage_roster_refresh(r.org_id, r.ps);
    END LOOP;
    RETURN NULL;
END;
$$;
-- Named to run after the triggers that count the same changes.
CREATE TRIGGER coverage_roster_duties_insert AFTER INSERT ON coverage_duties
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_roster_people_changed();
CREATE TRIGGER coverage_roster_duties_update AFTER UPDATE ON coverage_duties
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_roster_people_changed();
CREATE TRIGGER coverage_roster_duties_delete AFTER DELETE ON coverage_duties
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_roster_people_changed();
CREATE TRIGGER coverage_roster_people_insert AFTER INSERT ON coverage_people
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_roster_people_changed();
CREATE TRIGGER coverage_roster_people_update AFTER UPDATE ON coverage_people
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_roster_people_changed();
CREATE TRIGGER coverage_roster_people_delete AFTER DELETE ON coverage_people
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_roster_people_changed();

-- Requirements (which courses a team's responders need) and the responder
-- label: the whole organisation's rows.
CREATE FUNCTION coverage_roster_org_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o uuid;
    src text := CASE
        WHEN TG_TABLE_NAME = 'organisations' THEN
            'SELECT n.id FROM new_rows n JOIN old_rows d ON d.id = n.id WHERE n.responder_label_id IS DISTINCT FROM d.responder_label_id'
        WHEN TG_OP = 'INSERT' THEN 'SELECT org_id FROM new_rows'
        WHEN TG_OP = 'DELETE' THEN 'SELECT org_id FROM old_rows'
        ELSE 'SELECT org_id FROM new_rows UNION SELECT org_id FROM old_rows' END;
BEGIN
    FOR o IN EXECUTE 'SELECT DISTINCT x FROM (' || src || ') s(x) ORDER BY 1' LOOP
        PERFORM coverage_roster_refresh(o, NULL);
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER coverage_roster_requirements_insert AFTER INSERT ON requirements
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_roster_org_changed();
CREATE TRIGGER coverage_roster_requirements_update AFTER UPDATE ON requirements
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_roster_org_changed();
CREATE TRIGGER coverage_roster_requirements_delete AFTER DELETE ON requirements
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_roster_org_changed();
CREATE TRIGGER coverage_roster_label AFTER UPDATE ON organisations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_roster_org_changed();

-- People renamed: their rows' names.
CREATE FUNCTION coverage_roster_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE coverage_roster r SET name = n.name
    FROM new_rows n JOIN old_rows d ON d.org_id = n.org_id AND d.id = n.id
    WHERE n.name IS DISTINCT FROM d.name AND r.org_id = n.org_id AND r.person_id = n.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER coverage_roster_renamed AFTER UPDATE ON people
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_roster_renamed();

ALTER TABLE coverage_roster ENABLE ROW LEVEL SECURITY;
ALTER TABLE coverage_roster FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON coverage_roster USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());

-- What is stored already, each organisation bound to itself.
DO $$
DECLARE
    o uuid;
BEGIN
    FOR o IN SELECT id FROM organisations WHERE responder_label_id IS NOT NULL ORDER BY id LOOP
        PERFORM set_config('upstand.org_id', o::text, true);
        PERFORM coverage_roster_refresh(o, NULL);
    END LOOP;
    PERFORM set_config('upstand.org_id', '', true);
END $$;
