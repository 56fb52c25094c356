CREATE INDEX coverage_counts_teams ON coverage_counts (org_id, label_id, module_id, team_id) WHERE status = '';
DROP INDEX coverage_counts_present;
