-- River's own tables are removed by app/db (rivermigrate down) with this
-- migration.
DROP TABLE reminders;
ALTER TABLE people DROP COLUMN digest_off;
