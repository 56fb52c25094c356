-- Organisation coverage (docs/coverage.md): which courses are required of
-- whom, by when, how often they are refreshed, and who manages which team.

-- When someone joined a team or took a job label: a requirement's due date
-- runs from it. Memberships that exist already count from now, so a new
-- requirement never makes people overdue for the time before it existed.
ALTER TABLE team_members ADD COLUMN joined_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE person_labels ADD COLUMN joined_at timestamptz NOT NULL DEFAULT now();
-- A team's managers see its coverage (statuses and dates, never answers).
ALTER TABLE team_members ADD COLUMN is_manager boolean NOT NULL DEFAULT false;
CREATE INDEX team_members_org_team ON team_members (org_id, team_id);
CREATE INDEX person_labels_org_label ON person_labels (org_id, label_id);

-- How close a due date or an expiry must be to count as "due soon", and
-- which job label makes someone a responder for the roster.
ALTER TABLE organisations ADD COLUMN due_soon_days integer NOT NULL DEFAULT 30 CHECK (due_soon_days BETWEEN 1 AND 365);
ALTER TABLE organisations ADD COLUMN responder_label_id uuid;

-- A course required of a team, of everyone with a job label, or of the
-- people who are both. Due within due_days of joining (or of the
-- requirement taking effect, for people there before it), or by a fixed
-- first deadline; refreshed every refresher_months ('months'), as the
-- module says ('module'), or never. strict: only a completion with every
-- scenario finished at least mixed counts.
CREATE TABLE requirements (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id           uuid NOT NULL REFERENCES organisations (id),
    module_id        text NOT NULL CHECK (module_id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    team_id          uuid,
    label_id         uuid,
    due_days         integer NOT NULL DEFAULT 30 CHECK (due_days BETWEEN 1 AND 3650),
    refresher        text NOT NULL DEFAULT 'module' CHECK (refresher IN ('module', 'months', 'never')),
    refresher_months integer CHECK (refresher_months BETWEEN 1 AND 120),
    first_deadline   timestamptz,
    strict           boolean NOT NULL DEFAULT false,
    effective_from   timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    CHECK (team_id IS NOT NULL OR label_id IS NOT NULL),
    CHECK ((refresher = 'months') = (refresher_months IS NOT NULL)),
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, label_id) REFERENCES labels (org_id, id) ON DELETE CASCADE
);
CREATE INDEX requirements_org ON requirements (org_id, module_id);
ALTER TABLE organisations ADD CONSTRAINT organisations_responder_label
    FOREIGN KEY (id, responder_label_id) REFERENCES labels (org_id, id) ON DELETE SET NULL (responder_label_id);

-- Each person's progress in each course, kept by triggers as attempts and
-- completions are written: when they first started it, and their latest
-- completion (any version counts), and their latest completion with every
-- scenario finished at least mixed (for strict requirements). Statuses are
-- computed from these and the requirements at read time, as they depend on
-- the date.
CREATE TABLE learner_courses (
    org_id              uuid NOT NULL,
    person_id           uuid NOT NULL,
    module_id           text NOT NULL,
    started_at          timestamptz NOT NULL,
    completed_at        timestamptz,
    strict_completed_at timestamptz,
    PRIMARY KEY (org_id, person_id, module_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX learner_courses_module ON learner_courses (org_id, module_id);

-- strict_ok: every scenario of the completion finished positive or mixed.
CREATE FUNCTION completion_strict_ok(summary jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE AS
$$ SELECT NOT jsonb_path_exists(summary, '$.scenarios[*] ? (@.outcome != "positive" && @.outcome != "mixed")') $$;

CREATE FUNCTION course_attempts_learner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO learner_courses AS lc (org_id, person_id, module_id, started_at)
    VALUES (NEW.org_id, NEW.person_id, NEW.module_id, NEW.started_at)
    ON CONFLICT (org_id, person_id, module_id) DO UPDATE SET started_at = least(lc.started_at, EXCLUDED.started_at);
    RETURN NULL;
END;
$$;
CREATE TRIGGER course_attempts_learner AFTER INSERT ON course_attempts
    FOR EACH ROW EXECUTE FUNCTION course_attempts_learner();

CREATE FUNCTION completions_learner() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    strict_at timestamptz := CASE WHEN completion_strict_ok(NEW.summary) THEN NEW.completed_at END;
BEGIN
    INSERT INTO learner_courses AS lc (org_id, person_id, module_id, started_at, completed_at, strict_completed_at)
    VALUES (NEW.org_id, NEW.person_id, NEW.module_id, NEW.completed_at, NEW.completed_at, strict_at)
    ON CONFLICT (org_id, person_id, module_id) DO UPDATE SET
        completed_at = greatest(lc.completed_at, EXCLUDED.completed_at),
        strict_completed_at = greatest(lc.strict_completed_at, EXCLUDED.strict_completed_at);
    RETURN NULL;
END;
$$;
CREATE TRIGGER completions_learner AFTER INSERT ON completions
    FOR EACH ROW EXECUTE FUNCTION completions_learner();

-- What is stored already, read as the tables' owner past the policies.
ALTER TABLE course_attempts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE completions NO FORCE ROW LEVEL SECURITY;
INSERT INTO learner_courses (org_id, person_id, module_id, started_at, completed_at, strict_completed_at)
SELECT a.org_id, a.person_id, a.module_id, min(a.started_at),
       max(c.completed_at), max(c.completed_at) FILTER (WHERE completion_strict_ok(c.summary))
FROM course_attempts a LEFT JOIN completions c ON c.course_attempt_id = a.id
GROUP BY a.org_id, a.person_id, a.module_id;
ALTER TABLE course_attempts FORCE ROW LEVEL SECURITY;
ALTER TABLE completions FORCE ROW LEVEL SECURITY;

ALTER TABLE requirements ENABLE ROW LEVEL SECURITY;
ALTER TABLE requirements FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON requirements USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
ALTER TABLE learner_courses ENABLE ROW LEVEL SECURITY;
ALTER TABLE learner_courses FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON learner_courses USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
