DROP INDEX scenario_attempts_org_finished;
DROP INDEX confidence_answers_org;
