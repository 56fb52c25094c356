-- Organisation content: scenarios and modules that an organisation's
-- trainers write in the browser, in the same file format as the bundled
-- library (docs/content.md, docs/authoring.md).

-- A content version now has an owner: NULL for the bundled library (the same
-- for everyone), an organisation for that organisation's own published
-- content, which no other organisation may read. An owned version's hash
-- includes its owner, so two organisations publishing the same text never
-- share a row.
ALTER TABLE content_versions ADD COLUMN org_id uuid REFERENCES organisations (id);
ALTER TABLE content_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE content_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON content_versions
    USING (org_id IS NULL OR org_id = upstand_org_id())
    WITH CHECK (org_id IS NULL OR org_id = upstand_org_id());
-- Rebuilding an attempt's version and verifying a certificate read versions
-- through the cross-organisation surface, by their exact id and hash.
CREATE POLICY system_lookup ON content_versions FOR SELECT USING (upstand_system());

-- Review before publishing, when the organisation turns it on.
ALTER TABLE organisations ADD COLUMN review_required boolean NOT NULL DEFAULT false;

-- One row per scenario or module an organisation has made: its draft (the
-- files, by name: "<id>.yaml" for a scenario; "module.yaml" and the lessons
-- for a module), a revision that every save increases (a save names the
-- revision it was edited from and is refused when it is not the latest),
-- the approval of a revision when review is on, and the version learners
-- get (NULL: not published, or unpublished).
CREATE TABLE authored_content (
    org_id            uuid NOT NULL REFERENCES organisations (id),
    kind              text NOT NULL CHECK (kind IN ('module', 'scenario')),
    id                text NOT NULL CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    files             jsonb NOT NULL,
    revision          integer NOT NULL CHECK (revision >= 1),
    created_by        uuid NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_by        uuid NOT NULL,
    updated_at        timestamptz NOT NULL,
    approved_revision integer,
    approved_by       uuid,
    published_version text,
    PRIMARY KEY (org_id, kind, id),
    FOREIGN KEY (org_id, created_by) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, updated_by) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, approved_by) REFERENCES people (org_id, id),
    CHECK ((approved_revision IS NULL) = (approved_by IS NULL))
);

-- Every version ever published, with its files, who published it (and who
-- approved it), when and why. Rows are only ever added.
CREATE TABLE authored_versions (
    org_id       uuid NOT NULL,
    kind         text NOT NULL,
    id           text NOT NULL,
    version      text NOT NULL,
    files        jsonb NOT NULL,
    revision     integer NOT NULL,
    published_by uuid NOT NULL,
    approved_by  uuid,
    published_at timestamptz NOT NULL,
    note         text NOT NULL,
    PRIMARY KEY (org_id, kind, id, version),
    FOREIGN KEY (org_id, kind, id) REFERENCES authored_content (org_id, kind, id),
    FOREIGN KEY (org_id, published_by) REFERENCES people (org_id, id)
);
CREATE INDEX authored_versions_history ON authored_versions (org_id, kind, id, published_at DESC);
CREATE TRIGGER authored_versions_append_only BEFORE UPDATE OR DELETE ON authored_versions
    FOR EACH ROW EXECUTE FUNCTION learning_append_only();

ALTER TABLE authored_content ENABLE ROW LEVEL SECURITY;
ALTER TABLE authored_content FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON authored_content USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
ALTER TABLE authored_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE authored_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON authored_versions USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
