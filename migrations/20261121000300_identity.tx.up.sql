-- Organisations, people, teams, job labels, invites, passkeys, sessions and
-- the audit log. Every organisation-owned table carries org_id, and links
-- between organisation-owned rows use composite keys (org_id, id) so the
-- database itself refuses a link across organisations.

CREATE TABLE organisations (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE people (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid NOT NULL REFERENCES organisations (id),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email          text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    -- Random 64-byte WebAuthn user handle: never the email, never reused.
    user_handle    bytea NOT NULL UNIQUE CHECK (length(user_handle) = 64),
    is_trainer     boolean NOT NULL DEFAULT false,
    is_org_admin   boolean NOT NULL DEFAULT false,
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    deactivated_at timestamptz,
    UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX people_org_email ON people (org_id, lower(email));

CREATE TABLE teams (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id     uuid NOT NULL REFERENCES organisations (id),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX teams_org_name ON teams (org_id, lower(name));

CREATE TABLE team_members (
    org_id    uuid NOT NULL,
    team_id   uuid NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (team_id, person_id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE
);
CREATE INDEX team_members_person ON team_members (person_id);

CREATE TABLE labels (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id     uuid NOT NULL REFERENCES organisations (id),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX labels_org_name ON labels (org_id, lower(name));

CREATE TABLE person_labels (
    org_id    uuid NOT NULL,
    label_id  uuid NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (label_id, person_id),
    FOREIGN KEY (org_id, label_id) REFERENCES labels (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE
);
CREATE INDEX person_labels_person ON person_labels (person_id);

-- One-time enrolment links. Only the SHA-256 of the token is kept.
CREATE TABLE invites (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id     uuid NOT NULL,
    person_id  uuid NOT NULL,
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_by uuid,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz,
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX invites_person ON invites (person_id);

-- Passkeys: the full WebAuthn credential record, plus the columns we query.
CREATE TABLE credentials (
    id            bytea PRIMARY KEY,
    org_id        uuid NOT NULL,
    person_id     uuid NOT NULL,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    record        jsonb NOT NULL,
    sign_count    bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX credentials_person ON credentials (person_id);

-- WebAuthn ceremony state between begin and finish: server-side, single use.
CREATE TABLE ceremonies (
    id         bytea PRIMARY KEY CHECK (length(id) = 32),
    kind       text NOT NULL CHECK (kind IN ('register', 'login')),
    person_id  uuid,
    data       jsonb NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX ceremonies_expires_at ON ceremonies (expires_at);

-- Signed-in sessions. The cookie holds a random token; only its SHA-256 is kept.
CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    org_id       uuid NOT NULL,
    person_id    uuid NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT '',
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_person ON sessions (person_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Append-only audit log: who did what, when, from where. Never secrets.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    org_id     uuid REFERENCES organisations (id),
    at         timestamptz NOT NULL,
    actor_id   uuid,
    action     text NOT NULL,
    subject_id uuid,
    detail     jsonb NOT NULL DEFAULT '{}',
    ip         text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_org_at ON audit_log (org_id, at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
