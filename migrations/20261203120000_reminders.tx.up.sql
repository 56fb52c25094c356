-- Reminders (docs/coverage.md, "Reminders"). River, the job queue that
-- schedules and sends them, has its own schema: app/db runs River's
-- migrations (rivermigrate) to the version this binary needs just before
-- this file, under the same migration lock, so River's tables exist here.

-- River's tables carry no org_id: they hold jobs, whose arguments name an
-- organisation only as data, and no row-level security applies to them.
-- The application role works jobs (insert, lock, complete, retry, clean
-- up, elect a leader), so it gets the same rights as on our own tables,
-- but, as on bun_migrations, never writes River's migration record.
GRANT SELECT, INSERT, UPDATE, DELETE ON river_job, river_leader, river_queue, river_notification TO upstand_app;
GRANT USAGE, SELECT ON SEQUENCE river_job_id_seq, river_notification_id_seq TO upstand_app;
GRANT SELECT ON river_migration TO upstand_app;
REVOKE INSERT, UPDATE, DELETE ON river_migration FROM upstand_app;

-- A team manager may turn off the weekly digest of their teams' overdue
-- people; reminders of their own courses stay on.
ALTER TABLE people ADD COLUMN digest_off boolean NOT NULL DEFAULT false;

-- Every reminder made, sent or not: one row per person, course, kind and
-- period, so a reminder is never sent twice whatever the queue does. The
-- row and the message commit together (the worker writes it in the
-- transaction that completes its job); when no SMTP server is configured
-- the row is the reminder, listed on /admin/reminders for the admin to
-- pass on.
CREATE TABLE reminders (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id       uuid NOT NULL REFERENCES organisations (id),
    person_id    uuid NOT NULL,
    -- The course; '' for a manager's digest.
    module_id    text NOT NULL DEFAULT '',
    kind         text NOT NULL CHECK (kind IN ('due_soon', 'due_today', 'overdue', 'digest', 'manual')),
    -- Which occurrence: the due date, the due date and the overdue week,
    -- the ISO week of a digest, the day of a manual reminder.
    period       text NOT NULL CHECK (length(period) BETWEEN 1 AND 40),
    due_at       timestamptz,
    email        text NOT NULL,
    subject      text NOT NULL,
    body         text NOT NULL,
    -- false: no SMTP server was configured, so it was only listed.
    sent         boolean NOT NULL,
    -- Who asked for a manual reminder (an org admin or a team manager).
    requested_by uuid,
    created_at   timestamptz NOT NULL,
    UNIQUE (org_id, person_id, module_id, kind, period),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, requested_by) REFERENCES people (org_id, id)
);
CREATE INDEX reminders_org_created ON reminders (org_id, created_at DESC);
ALTER TABLE reminders ENABLE ROW LEVEL SECURITY;
ALTER TABLE reminders FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON reminders USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
-- Reminders are a record: the application adds them and never changes or
-- removes one.
REVOKE UPDATE, DELETE ON reminders FROM upstand_app;
