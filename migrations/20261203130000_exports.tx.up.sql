-- Exports (docs/coverage.md, "Exports"): organisation API keys for the
-- xAPI statements endpoint, and the indexes that let it page through an
-- organisation's records in time order.

-- An organisation's API key. The id is the key's public name (the HTTP
-- Basic user); only the SHA-256 of its secret is kept (app/secret), so the
-- secret is shown once, when the key is made. paging_key signs the
-- endpoint's "more" links (HMAC-SHA256): it never leaves the server, and
-- a link made for one key does not work with another. A revoked key stays
-- listed, and never works again.
CREATE TABLE api_keys (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organisations (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
    paging_key  bytea NOT NULL CHECK (length(paging_key) = 32),
    created_by  uuid,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CHECK (revoked_at IS NULL OR revoked_at >= created_at),
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, created_by) REFERENCES people (org_id, id)
);
CREATE INDEX api_keys_org ON api_keys (org_id, created_at DESC);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY org_scope ON api_keys USING (org_id = upstand_org_id()) WITH CHECK (org_id = upstand_org_id());
-- A request to the xAPI endpoint names its key before anyone knows the
-- organisation: the key is looked up by id on the cross-organisation
-- surface, read-only, like a session by its token hash.
CREATE POLICY system_lookup ON api_keys FOR SELECT USING (upstand_system());

-- Statements come from these records in time order, a page at a time:
-- each source is read from the page's cursor along one of these indexes.
CREATE INDEX course_attempts_org_started ON course_attempts (org_id, started_at, id) WHERE id = root_id;
CREATE INDEX scenario_choices_org_at ON scenario_choices (org_id, at, attempt_id, seq);
CREATE INDEX scenario_attempts_org_finished_at ON scenario_attempts (org_id, finished_at, id) WHERE finished_at IS NOT NULL;
CREATE INDEX quiz_attempts_org_at ON quiz_attempts (org_id, at, id);
CREATE INDEX completions_org_completed ON completions (org_id, completed_at, id);
