-- Coverage at scale (docs/benchmarks.md, "Coverage"): the duties and their
-- counts kept by the database in the same transaction as every change that
-- moves them, so that a dashboard reads a few hundred counts instead of
-- computing every person's duty in every required course.
--
--   coverage_modules  each course's own refresher period, as the
--                     organisation's catalogue serves it (the store keeps
--                     it in step with the catalogue before each read)
--   coverage_duties   one row per active person per course required of
--                     them: the strictest terms (due date, refresher,
--                     strict rule), their progress, and from these the
--                     class and the one date their status turns on
--   coverage_people   the teams and labels each person is counted under
--   coverage_anchor   the moment (and due-soon window) the counts are
--                     worked out at
--   coverage_counts   how many people of each team × label × course are
--                     in each status at the anchor, with totals per team ×
--                     label × course and per team × label
--
-- A status depends on the time, but only through one date per duty (its
-- key): the due date while it is not complete, the expiry of a completion
-- with a refresher; a completion without one is complete for good. So the
-- counts at the anchor, corrected by the few duties whose key lies between
-- the anchor and now (or between the two due-soon horizons), are the counts
-- now. Readers correct; an occasional reader moves the anchor to now.
--
-- Every writer of these tables first takes the organisation's coverage
-- lock (a transaction-scoped advisory lock), so changes to one
-- organisation's duties are applied one after another, each seeing the
-- ones before it.

-- The statuses, as org.StatusOf decides them, of a duty of class
-- 'c' (complete, no refresher), 'e' (complete until key), 's' (started,
-- due at key) or 'n' (not started, due at key), at a moment with a
-- due-soon window.
CREATE FUNCTION coverage_status(class text, key_at timestamptz, at timestamptz, soon interval) RETURNS text
LANGUAGE sql STABLE AS $$
SELECT CASE
    WHEN class = 'c' THEN 'complete'
    WHEN key_at <= at THEN CASE class WHEN 'e' THEN 'expired' ELSE 'overdue' END
    WHEN key_at <= at + soon THEN 'due_soon'
    WHEN class = 'e' THEN 'complete'
    WHEN class = 's' THEN 'in_progress'
    ELSE 'not_started'
END $$;

CREATE FUNCTION coverage_class(done_at timestamptz, months integer, started_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE WHEN done_at IS NOT NULL AND months IS NULL THEN 'c'
            WHEN done_at IS NOT NULL THEN 'e'
            WHEN started_at IS NOT NULL THEN 's'
            ELSE 'n' END $$;

-- Months are added in UTC, as org.AddMonths adds them (31 January + 1
-- month is the end of February), whatever the session's time zone.
CREATE FUNCTION coverage_add_months(t timestamptz, months integer) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$ SELECT ((t AT TIME ZONE 'UTC') + make_interval(months => months)) AT TIME ZONE 'UTC' $$;

-- Schema-qualified inside: a generated column's function runs under
-- pg_restore's empty search_path (TestBackupAndRestore).
CREATE FUNCTION coverage_key(due_at timestamptz, done_at timestamptz, months integer) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE WHEN done_at IS NULL THEN due_at
            WHEN months IS NULL THEN NULL
            ELSE public.coverage_add_months(done_at, months) END $$;

-- The scope keys a person is counted under: each of their teams (or "no
-- team") and everyone, each with each of their labels and with any label.
CREATE FUNCTION coverage_no_team() RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;
CREATE FUNCTION coverage_any() RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid $$;
CREATE FUNCTION coverage_scopes(teams uuid[], labels uuid[]) RETURNS TABLE (team_id uuid, label_id uuid)
LANGUAGE sql IMMUTABLE AS $$
SELECT t, l
FROM unnest(CASE WHEN cardinality(teams) = 0 THEN ARRAY[coverage_no_team()] ELSE teams END || coverage_any()) t,
     unnest(labels || coverage_any()) l $$;

CREATE FUNCTION coverage_lock(o uuid) RETURNS void LANGUAGE sql AS
$$ SELECT pg_advisory_xact_lock(hashtextextended('upstand coverage ' || o::text, 0)) $$;

CREATE TABLE coverage_modules (
    org_id    uuid NOT NULL REFERENCES organisations (id),
    module_id text NOT NULL,
    months    integer NOT NULL CHECK (months >= 1),
    PRIMARY KEY (org_id, module_id)
);

CREATE TABLE coverage_duties (
    org_id     uuid NOT NULL,
    person_id  uuid NOT NULL,
    module_id  text NOT NULL,
    due_at     timestamptz NOT NULL,
    joined_at  timestamptz NOT NULL,
    months     integer,
    strict     boolean NOT NULL,
    started_at timestamptz,
    done_at    timestamptz,
    class      text NOT NULL GENERATED ALWAYS AS (coverage_class(done_at, months, started_at)) STORED,
    key_at     timestamptz GENERATED ALWAYS AS (coverage_key(due_at, done_at, months)) STORED,
    PRIMARY KEY (org_id, person_id, module_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
-- The duties whose status moves between two moments; the longest overdue
-- (or soonest due) first, in an order the index keeps.
CREATE INDEX coverage_duties_key ON coverage_duties (org_id, key_at, person_id, module_id) WHERE key_at IS NOT NULL;
-- A course's duties in one status, across the organisation.
CREATE INDEX coverage_duties_module ON coverage_duties (org_id, module_id, class, key_at);

CREATE TABLE coverage_people (
    org_id    uuid NOT NULL,
    person_id uuid NOT NULL,
    teams     uuid[] NOT NULL,
    labels    uuid[] NOT NULL,
    PRIMARY KEY (org_id, person_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);

CREATE TABLE coverage_anchor (
    org_id uuid PRIMARY KEY REFERENCES organisations (id),
    at     timestamptz NOT NULL,
    soon   interval NOT NULL
);

-- module_id '' and status '' are the totals over courses and statuses.
-- people is never negative (the tests check it); a CHECK would refuse the
-- upsert's proposed row before the conflict adds it to the stored one.
CREATE TABLE coverage_counts (
    org_id    uuid NOT NULL,
    team_id   uuid NOT NULL,
    label_id  uuid NOT NULL,
    module_id text NOT NULL,
    status    text NOT NULL,
    people    integer NOT NULL,
    PRIMARY KEY (org_id, team_id, label_id, module_id, status)
);
-- The teams with anyone to count, for a label (or any) and a course (or
-- any): the dashboard's rows.
CREATE INDEX coverage_counts_teams ON coverage_counts (org_id, label_id, module_id, team_id) WHERE status = '';

-- coverage_apply is the statement that adds people to the counts: src is a
-- query of rows (org_id, team_id, label_id, module_id, status, n), grouped
-- with the totals, as the counting triggers below add them (the anchor's
-- move runs it).
CREATE FUNCTION coverage_apply(src text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT format($q$
    INSERT INTO coverage_counts AS c (org_id, team_id, label_id, module_id, status, people)
    SELECT org_id, team_id, label_id, coalesce(module_id, ''), coalesce(status, ''), sum(n)
    FROM (%s) d
    GROUP BY GROUPING SETS ((org_id, team_id, label_id, module_id, status), (org_id, team_id, label_id, module_id), (org_id, team_id, label_id))
    HAVING sum(n) <> 0
    ON CONFLICT (org_id, team_id, label_id, module_id, status) DO UPDATE SET people = c.people + EXCLUDED.people
$q$, src) $$;

-- coverage_begin takes the coverage lock of an organisation and makes its
-- anchor (at now, with the organisation's window) if it has none.
CREATE FUNCTION coverage_begin(o uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM coverage_lock(o);
    INSERT INTO coverage_anchor (org_id, at, soon)
    SELECT id, now(), make_interval(secs => due_soon_days * 86400) FROM organisations WHERE id = o
    ON CONFLICT (org_id) DO NOTHING;
END;
$$;

-- Duties counted as they change, under the person's scopes. (Static
-- statements, not EXECUTE: their plans are kept, and a completion's
-- trigger is planned once per connection.)
CREATE FUNCTION coverage_duties_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o uuid;
BEGIN
    IF TG_OP = 'INSERT' THEN
        FOR o IN SELECT DISTINCT org_id FROM new_rows ORDER BY 1 LOOP
            PERFORM coverage_begin(o);
        END LOOP;
    INSERT INTO coverage_counts AS c (org_id, team_id, label_id, module_id, status, people)
    SELECT org_id, team_id, label_id, coalesce(module_id, ''), coalesce(status, ''), sum(n) FROM (
        SELECT d.org_id, s.team_id, s.label_id, d.module_id, coverage_status(d.class, d.key_at, a.at, a.soon) AS status, 1 AS n
        FROM new_rows d
        JOIN coverage_anchor a ON a.org_id = d.org_id
        JOIN coverage_people cp ON cp.org_id = d.org_id AND cp.person_id = d.person_id
        CROSS JOIN LATERAL coverage_scopes(cp.teams, cp.labels) s
    ) x
    GROUP BY GROUPING SETS ((org_id, team_id, label_id, module_id, status), (org_id, team_id, label_id, module_id), (org_id, team_id, label_id))
    HAVING sum(n) <> 0
    ON CONFLICT (org_id, team_id, label_id, module_id, status) DO UPDATE SET people = c.people + EXCLUDED.people;
    ELSIF TG_OP = 'DELETE' THEN
        FOR o IN SELECT DISTINCT org_id FROM old_rows ORDER BY 1 LOOP
            PERFORM coverage_begin(o);
        END LOOP;
    INSERT INTO coverage_counts AS c (org_id, team_id, label_id, module_id, status, people)
    SELECT org_id, team_id, label_id, coalesce(module_id, ''), coalesce(status, ''), sum(n) FROM (
        SELECT d.org_id, s.team_id, s.label_id, d.module_id, coverage_status(d.class, d.key_at, a.at, a.soon) AS status, -1 AS n
        FROM old_rows d
        JOIN coverage_anchor a ON a.org_id = d.org_id
        JOIN coverage_people cp ON cp.org_id = d.org_id AND cp.person_id = d.person_id
        CROSS JOIN LATERAL coverage_scopes(cp.teams, cp.labels) s
    ) x
    GROUP BY GROUPING SETS ((org_id, team_id, label_id, module_id, status), (org_id, team_id, label_id, module_id), (org_id, team_id, label_id))
    HAVING sum(n) <> 0
    ON CONFLICT (org_id, team_id, label_id, module_id, status) DO UPDATE SET people = c.people + EXCLUDED.people;
    ELSE
        FOR o IN SELECT DISTINCT org_id FROM new_rows ORDER BY 1 LOOP
            PERFORM coverage_begin(o);
        END LOOP;
    INSERT INTO coverage_counts AS c (org_id, team_id, label_id, module_id, status, people)
    SELECT org_id, team_id, label_id, coalesce(module_id, ''), coalesce(status, ''), sum(n) FROM (
        SELECT d.org_id, s.team_id, s.label_id, d.module_id, coverage_status(d.class, d.key_at, a.at, a.soon) AS status, 1 AS n
        FROM new_rows d
        JOIN coverage_anchor a ON a.org_id = d.org_id
        JOIN coverage_people cp ON cp.org_id = d.org_id AND cp.person_id = d.person_id
        CROSS JOIN LATERAL coverage_scopes(cp.teams, cp.labels) s
        UNION ALL
        SELECT d.org_id, s.team_id, s.label_id, d.module_id, coverage_status(d.class, d.key_at, a.at, a.soon) AS status, -1 AS n
        FROM old_rows d
        JOIN coverage_anchor a ON a.org_id = d.org_id
        JOIN coverage_people cp ON cp.org_id = d.org_id AND cp.person_id = d.person_id
        CROSS JOIN LATERAL coverage_scopes(cp.teams, cp.labels) s
    ) x
    GROUP BY GROUPING SETS ((org_id, team_id, label_id, module_id, status), (org_id, team_id, label_id, module_id), (org_id, team_id, label_id))
    HAVING sum(n) <> 0
    ON CONFLICT (org_id, team_id, label_id, module_id, status) DO UPDATE SET people = c.people + EXCLUDED.people;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER coverage_duties_insert AFTER INSERT ON coverage_duties
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_duties_count();
CREATE TRIGGER coverage_duties_update AFTER UPDATE ON coverage_duties
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_duties_count();
CREATE TRIGGER coverage_duties_delete AFTER DELETE ON coverage_duties
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_duties_count();

-- A person's duties move with their scopes.
CREATE FUNCTION coverage_people_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o uuid;
BEGIN
    IF TG_OP = 'INSERT' THEN
        FOR o IN SELECT DISTINCT org_id FROM new_rows ORDER BY 1 LOOP
            PERFORM coverage_begin(o);
        END LOOP;
    INSERT INTO coverage_counts AS c (org_id, team_id, label_id, module_id, status, people)
    SELECT org_id, team_id, label_id, coalesce(module_id, ''), coalesce(status, ''), sum(n) FROM (
        SELECT d.org_id, s.team_id, s.label_id, d.module_id, coverage_status(d.class, d.key_at, a.at, a.soon) AS status, 1 AS n
        FROM new_rows p
        JOIN coverage_duties d ON d.org_id = p.org_id AND d.person_id = p.person_id
        JOIN coverage_anchor a ON a.org_id = p.org_id
        CROSS JOIN LATERAL coverage_scopes(p.teams, p.labels) s
    ) x
    GROUP BY GROUPING SETS ((org_id, team_id, label_id, module_id, status), (org_id, team_id, label_id, module_id), (org_id, team_id, label_id))
    HAVING sum(n) <> 0
    ON CONFLICT (org_id, team_id, label_id, module_id, status) DO UPDATE SET people = c.people + EXCLUDED.people;
    ELSIF TG_OP = 'DELETE' THEN
        FOR o IN SELECT DISTINCT org_id FROM old_rows ORDER BY 1 LOOP
            PERFORM coverage_begin(o);
        END LOOP;
    INSERT INTO coverage_counts AS c (org_id, team_id, label_id, module_id, status, people)
    SELECT org_id, team_id, label_id, coalesce(module_id, ''), coalesce(status, ''), sum(n) FROM (
        SELECT d.org_id, s.team_id, s.label_id, d.module_id, coverage_status(d.class, d.key_at, a.at, a.soon) AS status, -1 AS n
        FROM old_rows p
        JOIN coverage_duties d ON d.org_id = p.org_id AND d.person_id = p.person_id
        JOIN coverage_anchor a ON a.org_id = p.org_id
        CROSS JOIN LATERAL coverage_scopes(p.teams, p.labels) s
    ) x
    GROUP BY GROUPING SETS ((org_id, team_id, label_id, module_id, status), (org_id, team_id, label_id, module_id), (org_id, team_id, label_id))
    HAVING sum(n) <> 0
    ON CONFLICT (org_id, team_id, label_id, module_id, status) DO UPDATE SET people = c.people + EXCLUDED.people;
    ELSE
        FOR o IN SELECT DISTINCT org_id FROM new_rows ORDER BY 1 LOOP
            PERFORM coverage_begin(o);
        END LOOP;
    INSERT INTO coverage_counts AS c (org_id, team_id, label_id, module_id, status, people)
    SELECT org_id, team_id, label_id, coalesce(module_id, ''), coalesce(status, ''), sum(n) FROM (
        SELECT d.org_id, s.team_id, s.label_id, d.module_id, coverage_status(d.class, d.key_at, a.at, a.soon) AS status, 1 AS n
        FROM new_rows p
        JOIN coverage_duties d ON d.org_id = p.org_id AND d.person_id = p.person_id
        JOIN coverage_anchor a ON a.org_id = p.org_id
        CROSS JOIN LATERAL coverage_scopes(p.teams, p.labels) s
        UNION ALL
        SELECT d.org_id, s.team_id, s.label_id, d.module_id, coverage_status(d.class, d.key_at, a.at, a.soon) AS status, -1 AS n
        FROM old_rows p
        JOIN coverage_duties d ON d.org_id = p.org_id AND d.person_id = p.person_id
        JOIN coverage_anchor a ON a.org_id = p.org_id
        CROSS JOIN LATERAL coverage_scopes(p.teams, p.labels) s
    ) x
    GROUP BY GROUPING SETS ((org_id, team_id, label_id, module_id, status), (org_id, team_id, label_id, module_id), (org_id, team_id, label_id))
    HAVING sum(n) <> 0
    ON CONFLICT (org_id, team_id, label_id, module_id, status) DO UPDATE SET people = c.people + EXCLUDED.people;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER coverage_people_insert AFTER INSERT ON coverage_people
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_people_count();
CREATE TRIGGER coverage_people_update AFTER UPDATE ON coverage_people
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_people_count();
CREATE TRIGGER coverage_people_delete AFTER DELETE ON coverage_people
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_people_count();

-- coverage_refresh works out again the duties of people ps (NULL: all)
-- in courses ms (NULL: all) from the requirements, memberships and
-- progress, and writes what differs. Refreshing people in all courses
-- also refreshes the scopes they are counted under. Large sets of people
-- are refreshed as everyone.
CREATE FUNCTION coverage_refresh(o uuid, ps uuid[], ms text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM coverage_begin(o);
    IF cardinality(ps) > 1000 THEN
        ps := NULL;
    END IF;
    IF ms IS NULL THEN
        EXECUTE $q$
        WITH live AS (
            SELECT p.id AS person_id, coalesce(t.ids, '{}') AS teams, coalesce(l.ids, '{}') AS labels
            FROM people p
            LEFT JOIN (SELECT person_id, array_agg(team_id ORDER BY team_id) AS ids FROM team_members
                       WHERE org_id = $1 AND ($2::uuid[] IS NULL OR person_id = ANY($2)) GROUP BY person_id) t ON t.person_id = p.id
            LEFT JOIN (SELECT person_id, array_agg(label_id ORDER BY label_id) AS ids FROM person_labels
                       WHERE org_id = $1 AND ($2::uuid[] IS NULL OR person_id = ANY($2)) GROUP BY person_id) l ON l.person_id = p.id
            WHERE p.org_id = $1 AND p.active AND ($2::uuid[] IS NULL OR p.id = ANY($2))
        ), want AS (
            SELECT * FROM live WHERE cardinality(teams) > 0 OR cardinality(labels) > 0
        ), gone AS (
            DELETE FROM coverage_people cp
            WHERE cp.org_id = $1 AND ($2::uuid[] IS NULL OR cp.person_id = ANY($2))
              AND NOT EXISTS (SELECT 1 FROM want w WHERE w.person_id = cp.person_id)
        )
        INSERT INTO coverage_people AS cp (org_id, person_id, teams, labels)
        SELECT $1, person_id, teams, labels FROM want
        ON CONFLICT (org_id, person_id) DO UPDATE SET teams = EXCLUDED.teams, labels = EXCLUDED.labels
        WHERE (cp.teams, cp.labels) IS DISTINCT FROM (EXCLUDED.teams, EXCLUDED.labels)
        $q$ USING o, ps;
    END IF;
    -- The strictest terms of the requirements that apply to each person
    -- (the earliest due date, the shortest refresher, strict if any is);
    -- days are added as whole days of 24 hours, as the status rule does.
    EXECUTE $q$
    WITH terms AS (
        SELECT m.person_id, r.module_id,
            min(greatest(coalesce(r.first_deadline, r.effective_from + make_interval(secs => r.due_days * 86400)),
                m.joined_at + make_interval(secs => r.due_days * 86400))) AS due_at,
            min(CASE r.refresher WHEN 'months' THEN r.refresher_months WHEN 'module' THEN cm.months END) AS months,
            bool_or(r.strict) AS strict,
            min(m.joined_at) AS joined_at
        FROM requirements r
        LEFT JOIN coverage_modules cm ON cm.org_id = r.org_id AND cm.module_id = r.module_id
        CROSS JOIN LATERAL (
            SELECT tm.person_id, tm.joined_at FROM team_members tm
            WHERE r.label_id IS NULL AND tm.org_id = r.org_id AND tm.team_id = r.team_id
              AND ($2::uuid[] IS NULL OR tm.person_id = ANY($2))
            UNION ALL
            SELECT pl.person_id, pl.joined_at FROM person_labels pl
            WHERE r.team_id IS NULL AND pl.org_id = r.org_id AND pl.label_id = r.label_id
              AND ($2::uuid[] IS NULL OR pl.person_id = ANY($2))
            UNION ALL
            SELECT tm.person_id, greatest(tm.joined_at, pl.joined_at) FROM team_members tm
            JOIN person_labels pl ON pl.org_id = tm.org_id AND pl.person_id = tm.person_id AND pl.label_id = r.label_id
            WHERE r.team_id IS NOT NULL AND r.label_id IS NOT NULL AND tm.org_id = r.org_id AND tm.team_id = r.team_id
              AND ($2::uuid[] IS NULL OR tm.person_id = ANY($2))
        ) m
        JOIN people p ON p.org_id = r.org_id AND p.id = m.person_id AND p.active
        WHERE r.org_id = $1 AND ($3::text[] IS NULL OR r.module_id = ANY($3))
        GROUP BY m.person_id, r.module_id
    ), want AS (
        SELECT t.person_id, t.module_id, t.due_at, t.joined_at, t.months, t.strict, lc.started_at,
            CASE WHEN t.strict THEN lc.strict_completed_at ELSE lc.completed_at END AS done_at
        FROM terms t
        LEFT JOIN learner_courses lc ON lc.org_id = $1 AND lc.person_id = t.person_id AND lc.module_id = t.module_id
    ), gone AS (
        DELETE FROM coverage_duties d
        WHERE d.org_id = $1 AND ($2::uuid[] IS NULL OR d.person_id = ANY($2)) AND ($3::text[] IS NULL OR d.module_id = ANY($3))
          AND NOT EXISTS (SELECT 1 FROM want w WHERE w.person_id = d.person_id AND w.module_id = d.module_id)
    )
    INSERT INTO coverage_duties AS d (org_id, person_id, module_id, due_at, joined_at, months, strict, started_at, done_at)
    SELECT $1, person_id, module_id, due_at, joined_at, months, strict, started_at, done_at FROM want
    ON CONFLICT (org_id, person_id, module_id) DO UPDATE SET
        due_at = EXCLUDED.due_at, joined_at = EXCLUDED.joined_at, months = EXCLUDED.months, strict = EXCLUDED.strict,
        started_at = EXCLUDED.started_at, done_at = EXCLUDED.done_at
    WHERE (d.due_at, d.joined_at, d.months, d.strict, d.started_at, d.done_at)
        IS DISTINCT FROM (EXCLUDED.due_at, EXCLUDED.joined_at, EXCLUDED.months, EXCLUDED.strict, EXCLUDED.started_at, EXCLUDED.done_at)
    $q$ USING o, ps, ms;
END;
$$;

-- The duties whose status differs between two moments (each with its
-- due-soon window): those whose key lies between the two moments, or
-- between the two due-soon horizons.
CREATE FUNCTION coverage_moved(o uuid, at1 timestamptz, soon1 interval, at2 timestamptz, soon2 interval)
RETURNS TABLE (person_id uuid, module_id text, was text, becomes text)
LANGUAGE sql STABLE AS $$
SELECT d.person_id, d.module_id, coverage_status(d.class, d.key_at, at1, soon1), coverage_status(d.class, d.key_at, at2, soon2)
FROM coverage_duties d
WHERE d.org_id = o AND d.key_at IS NOT NULL
  AND ((d.key_at > least(at1, at2) AND d.key_at <= greatest(at1, at2))
    OR (d.key_at > least(at1 + soon1, at2 + soon2) AND d.key_at <= greatest(at1 + soon1, at2 + soon2)))
  AND coverage_status(d.class, d.key_at, at1, soon1) <> coverage_status(d.class, d.key_at, at2, soon2) $$;

-- coverage_reanchor moves the counts to another moment and window.
CREATE FUNCTION coverage_reanchor(o uuid, new_at timestamptz, new_soon interval) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    a coverage_anchor;
BEGIN
    PERFORM coverage_lock(o);
    SELECT * INTO a FROM coverage_anchor WHERE org_id = o;
    IF NOT FOUND THEN
        INSERT INTO coverage_anchor (org_id, at, soon) VALUES (o, new_at, new_soon);
        RETURN;
    END IF;
    EXECUTE coverage_apply(format($q$
        SELECT %1$L::uuid AS org_id, s.team_id, s.label_id, m.module_id, x.status, x.n
        FROM coverage_moved(%1$L, %2$L, %3$L, %4$L, %5$L) m
        JOIN coverage_people cp ON cp.org_id = %1$L AND cp.person_id = m.person_id
        CROSS JOIN LATERAL coverage_scopes(cp.teams, cp.labels) s
        CROSS JOIN LATERAL (VALUES (m.was, -1), (m.becomes, 1)) x(status, n)
    $q$, o, a.at, a.soon, new_at, new_soon));
    UPDATE coverage_anchor SET at = new_at, soon = new_soon WHERE org_id = o;
END;
$$;

-- For readers: move the anchor unless another transaction is changing the
-- organisation's coverage right now (the reader then corrects from the
-- anchor as it is). Reports whether it moved.
CREATE FUNCTION coverage_try_reanchor(o uuid, new_at timestamptz, new_soon interval) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('upstand coverage ' || o::text, 0)) THEN
        RETURN false;
    END IF;
    PERFORM coverage_reanchor(o, new_at, new_soon);
    RETURN true;
END;
$$;

-- What changes duties.

-- Memberships (added, removed, or a joining date changed): the people's
-- duties and scopes.
CREATE FUNCTION coverage_members_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
    src text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT org_id, person_id FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT org_id, person_id FROM old_rows'
        -- An update matters when more than the manager flag changed.
        ELSE 'SELECT org_id, person_id FROM ((SELECT to_jsonb(n) - ''is_manager'' AS j, org_id, person_id FROM new_rows n
                EXCEPT SELECT to_jsonb(o) - ''is_manager'', org_id, person_id FROM old_rows o)
              UNION ALL (SELECT to_jsonb(o) - ''is_manager'', org_id, person_id FROM old_rows o
                EXCEPT SELECT to_jsonb(n) - ''is_manager'', org_id, person_id FROM new_rows n)) x' END;
BEGIN
    FOR r IN EXECUTE 'SELECT org_id, array_agg(DISTINCT person_id) AS ps FROM (' || src || ') x GROUP BY org_id ORDER BY org_id' LOOP
        PERFORM coverage_refresh(r.org_id, r.ps, NULL);
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER coverage_team_members_insert AFTER INSERT ON team_members
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_members_changed();
CREATE TRIGGER coverage_team_members_update AFTER UPDATE ON team_members
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_members_changed();
CREATE TRIGGER coverage_team_members_delete AFTER DELETE ON team_members
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_members_changed();
CREATE TRIGGER coverage_person_labels_insert AFTER INSERT ON person_labels
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_members_changed();
CREATE TRIGGER coverage_person_labels_update AFTER UPDATE ON person_labels
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_members_changed();
CREATE TRIGGER coverage_person_labels_delete AFTER DELETE ON person_labels
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_members_changed();

-- People deactivated or made active again.
CREATE FUNCTION coverage_active_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT n.org_id, array_agg(n.id) AS ps FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.active IS DISTINCT FROM o.active GROUP BY n.org_id ORDER BY n.org_id LOOP
        PERFORM coverage_refresh(r.org_id, r.ps, NULL);
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER coverage_people_active AFTER UPDATE ON people
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_active_changed();

-- Requirements, and courses' own refresher periods: everyone's duties in
-- the courses they name.
CREATE FUNCTION coverage_courses_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
    src text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT org_id, module_id FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT org_id, module_id FROM old_rows'
        ELSE 'SELECT org_id, module_id FROM new_rows UNION SELECT org_id, module_id FROM old_rows' END;
BEGIN
    FOR r IN EXECUTE 'SELECT org_id, array_agg(DISTINCT module_id) AS ms FROM (' || src || ') x GROUP BY org_id ORDER BY org_id' LOOP
        PERFORM coverage_refresh(r.org_id, NULL, r.ms);
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER coverage_requirements_insert AFTER INSERT ON requirements
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_courses_changed();
CREATE TRIGGER coverage_requirements_update AFTER UPDATE ON requirements
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_courses_changed();
CREATE TRIGGER coverage_requirements_delete AFTER DELETE ON requirements
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_courses_changed();
CREATE TRIGGER coverage_modules_insert AFTER INSERT ON coverage_modules
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_courses_changed();
CREATE TRIGGER coverage_modules_update AFTER UPDATE ON coverage_modules
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_courses_changed();
CREATE TRIGGER coverage_modules_delete AFTER DELETE ON coverage_modules
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_courses_changed();

-- Progress (learner_courses, kept from attempts and completions): the
-- started and done dates of the duties it belongs to.
CREATE FUNCTION coverage_progress_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o uuid;
BEGIN
    FOR o IN SELECT DISTINCT org_id FROM new_rows ORDER BY 1 LOOP
        PERFORM coverage_lock(o);
    END LOOP;
    UPDATE coverage_duties d SET started_at = n.started_at,
        done_at = CASE WHEN d.strict THEN n.strict_completed_at ELSE n.completed_at END
    FROM new_rows n
    WHERE d.org_id = n.org_id AND d.person_id = n.person_id AND d.module_id = n.module_id
      AND (d.started_at, d.done_at) IS DISTINCT FROM
          (n.started_at, CASE WHEN d.strict THEN n.strict_completed_at ELSE n.completed_at END);
    RETURN NULL;
END;
$$;
CREATE TRIGGER coverage_learner_courses_insert AFTER INSERT ON learner_courses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_progress_changed();
CREATE TRIGGER coverage_learner_courses_update AFTER UPDATE ON learner_courses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_progress_changed();

-- The due-soon window changed: the counts move to the new window.
CREATE FUNCTION coverage_window_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT n.id, n.due_soon_days, a.at FROM new_rows n JOIN old_rows o ON o.id = n.id
             JOIN coverage_anchor a ON a.org_id = n.id
             WHERE n.due_soon_days <> o.due_soon_days ORDER BY n.id LOOP
        PERFORM coverage_reanchor(r.id, r.at, make_interval(secs => r.due_soon_days * 86400));
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER coverage_window AFTER UPDATE ON organisations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_window_changed();

-- learner_courses is now kept a statement at a time, so that many
-- attempts or completions written at once (an import, the demo seed) are
-- rolled up in one step, and an update that changes nothing is not made.
DROP TRIGGER course_attempts_learner ON course_attempts;
DROP TRIGGER completions_learner ON completions;
CREATE OR REPLACE FUNCTION course_attempts_learner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO learner_courses AS lc (org_id, person_id, module_id, started_at)
    SELECT org_id, person_id, module_id, min(started_at) FROM new_rows GROUP BY org_id, person_id, module_id
    ON CONFLICT (org_id, person_id, module_id) DO UPDATE SET started_at = EXCLUDED.started_at
    WHERE lc.started_at > EXCLUDED.started_at;
    RETURN NULL;
END;
$$;
CREATE TRIGGER course_attempts_learner AFTER INSERT ON course_attempts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION course_attempts_learner();

CREATE OR REPLACE FUNCTION completions_learner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO learner_courses AS lc (org_id, person_id, module_id, started_at, completed_at, strict_completed_at)
    SELECT org_id, person_id, module_id, min(completed_at), max(completed_at),
        max(completed_at) FILTER (WHERE completion_strict_ok(summary))
    FROM new_rows GROUP BY org_id, person_id, module_id
    ON CONFLICT (org_id, person_id, module_id) DO UPDATE SET
        completed_at = greatest(lc.completed_at, EXCLUDED.completed_at),
        strict_completed_at = greatest(lc.strict_completed_at, EXCLUDED.strict_completed_at)
    WHERE (lc.completed_at, lc.strict_completed_at) IS DISTINCT FROM
        (greatest(lc.completed_at, EXCLUDED.completed_at), greatest(lc.strict_completed_at, EXCLUDED.strict_completed_at));
    RETURN NULL;
END;
$$;
CREATE TRIGGER completions_learner AFTER INSERT ON completions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION completions_learner();

ALTER TABLE coverage_modules ENABLE ROW LEVEL SECURITY;
ALTER TABLE coverage_modules FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON coverage_modules USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
ALTER TABLE coverage_duties ENABLE ROW LEVEL SECURITY;
ALTER TABLE coverage_duties FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON coverage_duties USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
ALTER TABLE coverage_people ENABLE ROW LEVEL SECURITY;
ALTER TABLE coverage_people FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON coverage_people USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
ALTER TABLE coverage_anchor ENABLE ROW LEVEL SECURITY;
ALTER TABLE coverage_anchor FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON coverage_anchor USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
ALTER TABLE coverage_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE coverage_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON coverage_counts USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());

-- What is stored already: every organisation's duties, counted. Each is
-- worked out bound to its organisation, as the application would.
-- Courses' own refresher periods come from the catalogue, which the
-- database does not hold: the first read of each organisation's coverage
-- records them, and the duties they change are worked out then.
DO $$
DECLARE
    o uuid;
BEGIN
    FOR o IN SELECT id FROM organisations ORDER BY id LOOP
        PERFORM set_config('upstand.org_id', o::text, true);
        PERFORM coverage_refresh(o, NULL, NULL);
    END LOOP;
    PERFORM set_config('upstand.org_id', '', true);
END $$;
