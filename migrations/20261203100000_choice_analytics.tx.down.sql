DROP TRIGGER scenario_choices_mark ON scenario_choices;
DROP TRIGGER scenario_attempts_mark ON scenario_attempts;
DROP FUNCTION scenario_choices_mark();
DROP FUNCTION scenario_attempts_mark();
DROP FUNCTION scenario_mark(scenario_attempts, text, text);
DROP TABLE scenario_mark_counts;
DROP TABLE scenario_marks;
