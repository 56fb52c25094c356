DROP INDEX completions_org_completed;
DROP INDEX quiz_attempts_org_at;
DROP INDEX scenario_attempts_org_finished_at;
DROP INDEX scenario_choices_org_at;
DROP INDEX course_attempts_org_started;
DROP TABLE api_keys;
