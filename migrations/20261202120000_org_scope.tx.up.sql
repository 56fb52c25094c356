-- Tenant isolation in PostgreSQL itself, beneath the store's org-bound
-- handle (docs/architecture.md). The application's queries run as the role
-- upstand_app (each pooled connection runs SET ROLE to it), which has no
-- BYPASSRLS, so the policies bind it even when DATABASE_URL names a
-- superuser. Every table with an org_id column gets row-level security,
-- forced so that the owner is bound too, and one policy: a row is visible
-- and writable only while the transaction's upstand.org_id setting names
-- its organisation. The store's org-bound handle sets it with
-- set_config('upstand.org_id', ..., true) at the start of each transaction.
--
-- The few cross-organisation lookups (a session by its token hash, a person
-- by passkey user handle, an enrolment link by its token, a certificate by
-- its code, audit entries with no organisation) run with
-- upstand.system = 'on', which only the store's Global surface sets, and
-- only the narrow policies below honour it.

-- Making the role needs CREATEROLE (or a superuser); where the migrating
-- user has neither, a database administrator creates it beforehand (see
-- docs/operations.md) and this step finds it there.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'upstand_app') THEN
        CREATE ROLE upstand_app NOLOGIN NOBYPASSRLS;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    -- The role is cluster-wide: another database of this cluster made it
    -- just now (the loser of two CREATE ROLEs at once gets either error).
    NULL;
END $$;

-- SET ROLE needs membership unless the migrating user is a superuser.
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'upstand_app', 'MEMBER') THEN
        EXECUTE format('GRANT upstand_app TO %I', current_user);
    END IF;
EXCEPTION WHEN unique_violation THEN
    NULL; -- granted just now by a migration of another database
END $$;

GRANT USAGE ON SCHEMA public TO upstand_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO upstand_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO upstand_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO upstand_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO upstand_app;
-- The application reads the migration tables (readiness) but never writes them.
REVOKE INSERT, UPDATE, DELETE ON bun_migrations, bun_migration_locks FROM upstand_app;
-- The audit log is append-only for the application too.
REVOKE UPDATE, DELETE ON audit_log FROM upstand_app;

CREATE FUNCTION upstand_org_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('upstand.org_id', true), '')::uuid $$;

CREATE FUNCTION upstand_system() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('upstand.system', true), '') = 'on' $$;

DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attname = 'org_id' AND NOT a.attisdropped
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY org_scope ON %I USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id())', t);
    END LOOP;
END $$;

-- The cross-organisation surface: read-only except sessions (touching and
-- sweeping by token hash), demo links (used up by token) and org-less
-- audit entries.
CREATE POLICY system_lookup ON people FOR SELECT USING (upstand_system());
CREATE POLICY system_lookup ON invites FOR SELECT USING (upstand_system());
CREATE POLICY system_lookup ON completions FOR SELECT USING (upstand_system());
CREATE POLICY system_lookup ON certificates FOR SELECT USING (upstand_system());
CREATE POLICY system_sessions ON sessions USING (upstand_system()) WITH CHECK (upstand_system());
CREATE POLICY system_lookup ON demo_links FOR SELECT USING (upstand_system());
CREATE POLICY system_take ON demo_links FOR DELETE USING (upstand_system());
CREATE POLICY system_audit ON audit_log FOR INSERT WITH CHECK (upstand_system() AND org_id IS NULL);
