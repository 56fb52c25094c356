DROP TABLE authored_versions;
DROP TABLE authored_content;
ALTER TABLE organisations DROP COLUMN review_required;
DROP POLICY system_lookup ON content_versions;
DROP POLICY org_scope ON content_versions;
ALTER TABLE content_versions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE content_versions DISABLE ROW LEVEL SECURITY;
ALTER TABLE content_versions DROP COLUMN org_id;
