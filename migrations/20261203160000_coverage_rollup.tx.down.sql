DROP TRIGGER coverage_window ON organisations;
DROP TRIGGER coverage_learner_courses_insert ON learner_courses;
DROP TRIGGER coverage_learner_courses_update ON learner_courses;
DROP TRIGGER coverage_requirements_insert ON requirements;
DROP TRIGGER coverage_requirements_update ON requirements;
DROP TRIGGER coverage_requirements_delete ON requirements;
DROP TRIGGER coverage_people_active ON people;
DROP TRIGGER coverage_team_members_insert ON team_members;
DROP TRIGGER coverage_team_members_update ON team_members;
DROP TRIGGER coverage_team_members_delete ON team_members;
DROP TRIGGER coverage_person_labels_insert ON person_labels;
DROP TRIGGER coverage_person_labels_update ON person_labels;
DROP TRIGGER coverage_person_labels_delete ON person_labels;
DROP TABLE coverage_counts, coverage_anchor, coverage_people, coverage_duties, coverage_modules;
DROP FUNCTION coverage_window_changed(), coverage_progress_changed(), coverage_courses_changed(),
    coverage_active_changed(), coverage_members_changed(), coverage_try_reanchor(uuid, timestamptz, interval),
    coverage_reanchor(uuid, timestamptz, interval), coverage_moved(uuid, timestamptz, interval, timestamptz, interval),
    coverage_refresh(uuid, uuid[], text[]), coverage_people_count(), coverage_duties_count(),
    coverage_begin(uuid), coverage_apply(text), coverage_lock(uuid), coverage_scopes(uuid[], uuid[]),
    coverage_any(), coverage_no_team(), coverage_key(timestamptz, timestamptz, integer),
    coverage_add_months(timestamptz, integer), coverage_class(timestamptz, integer, timestamptz),
    coverage_status(text, timestamptz, timestamptz, interval);

-- learner_courses kept a row at a time again, as the coverage migration made it.
DROP TRIGGER course_attempts_learner ON course_attempts;
DROP TRIGGER completions_learner ON completions;
CREATE OR REPLACE FUNCTION course_attempts_learner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO learner_courses AS lc (org_id, person_id, module_id, started_at)
    VALUES (NEW.org_id, NEW.person_id, NEW.module_id, NEW.started_at)
    ON CONFLICT (org_id, person_id, module_id) DO UPDATE SET started_at = least(lc.started_at, EXCLUDED.started_at);
    RETURN NULL;
END;
$$;
CREATE TRIGGER course_attempts_learner AFTER INSERT ON course_attempts
    FOR EACH ROW EXECUTE FUNCTION course_attempts_learner();
CREATE OR REPLACE FUNCTION completions_learner() RETURNS trigger LANGUAGE plpgsql AS $$
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
