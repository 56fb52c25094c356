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
        EXECUTE format('DROP POLICY IF EXISTS org_scope ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS system_lookup ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS system_sessions ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS system_audit ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS system_take ON %I', t);
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END $$;
DROP FUNCTION upstand_system();
DROP FUNCTION upstand_org_id();
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM upstand_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM upstand_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM upstand_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM upstand_app;
REVOKE USAGE ON SCHEMA public FROM upstand_app;
-- The role itself stays: it is cluster-wide and other databases may use it.
