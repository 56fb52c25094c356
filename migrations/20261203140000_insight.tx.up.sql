-- Coverage's evaluation (docs/coverage.md) reads one organisation's
-- confidence answers and finished scenario attempts at once: without
-- these it would scan every organisation's.
CREATE INDEX confidence_answers_org ON confidence_answers (org_id, person_id);
CREATE INDEX scenario_attempts_org_finished ON scenario_attempts (org_id, person_id) WHERE finished_at IS NOT NULL;
