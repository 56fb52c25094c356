-- The learner's records: course attempts and the progress made in them,
-- scenario play, quiz attempts, confidence answers, private reflections,
-- completions and certificates, and each organisation's support resources.
--
-- Every row names its organisation and person, and links to other rows use
-- composite keys that include both, so the database itself refuses a record
-- that mixes organisations or people. Records are append-only (a trigger
-- refuses UPDATE and DELETE) except where noted: a scenario attempt's current
-- state (its history is in scenario_choices), reflections (their author may
-- delete them) and support resources (organisation admins edit them).
--
-- Attempts name the content version they were made against; the generated
-- content_kind column lets a foreign key prove that version is kept in
-- content_versions, so a record can always show what the learner saw.

CREATE FUNCTION learning_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;

-- One run through a module by one person, on one module version. When the
-- module changes while an attempt is open, a new attempt on the new version
-- continues it: root_id names the first attempt of that chain, and progress
-- recorded anywhere in the chain counts where the step is unchanged.
CREATE TABLE course_attempts (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid NOT NULL,
    person_id      uuid NOT NULL,
    root_id        uuid NOT NULL,
    module_id      text NOT NULL,
    module_version text NOT NULL,
    content_kind   text NOT NULL GENERATED ALWAYS AS ('module') STORED,
    started_at     timestamptz NOT NULL,
    UNIQUE (org_id, person_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, person_id, root_id) REFERENCES course_attempts (org_id, person_id, id),
    FOREIGN KEY (content_kind, module_id, module_version) REFERENCES content_versions (kind, id, version)
);
CREATE INDEX course_attempts_person_module ON course_attempts (org_id, person_id, module_id, started_at DESC);
CREATE INDEX course_attempts_root ON course_attempts (root_id);
CREATE TRIGGER course_attempts_append_only BEFORE UPDATE OR DELETE ON course_attempts
    FOR EACH ROW EXECUTE FUNCTION learning_append_only();

-- Progress through a module's steps. A step is named by its id (lesson:x,
-- scenario:x, quiz:n, reflection:n) and the fingerprint of its content at the
-- time, so progress on a step that later changes no longer counts.
CREATE TABLE step_events (
    id          bigserial PRIMARY KEY,
    org_id      uuid NOT NULL,
    person_id   uuid NOT NULL,
    attempt_id  uuid NOT NULL,
    step_id     text NOT NULL CHECK (length(step_id) BETWEEN 1 AND 200),
    fingerprint text NOT NULL CHECK (length(fingerprint) BETWEEN 1 AND 64),
    event       text NOT NULL CHECK (event IN ('opened', 'passed', 'failed', 'answered', 'skipped', 'finished')),
    outcome     text CHECK (outcome IN ('positive', 'mixed', 'negative')),
    at          timestamptz NOT NULL,
    CHECK ((event = 'finished') = (outcome IS NOT NULL)),
    FOREIGN KEY (org_id, person_id, attempt_id) REFERENCES course_attempts (org_id, person_id, id)
);
CREATE INDEX step_events_attempt ON step_events (attempt_id, step_id);
CREATE TRIGGER step_events_append_only BEFORE UPDATE OR DELETE ON step_events
    FOR EACH ROW EXECUTE FUNCTION learning_append_only();

-- A play-through of a scenario, pinned to the scenario version it started
-- on. state is the engine's State after the last choice; choices counts the
-- choices made so far, so two submissions of the same choice cannot both
-- apply. The row changes only while the attempt is unfinished, and only its
-- state, counters and finish fields.
CREATE TABLE scenario_attempts (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id            uuid NOT NULL,
    person_id         uuid NOT NULL,
    course_attempt_id uuid NOT NULL,
    step_id           text NOT NULL,
    scenario_id       text NOT NULL,
    scenario_version  text NOT NULL,
    content_kind      text NOT NULL GENERATED ALWAYS AS ('scenario') STORED,
    state             jsonb NOT NULL,
    choices           integer NOT NULL DEFAULT 0 CHECK (choices >= 0),
    outcome           text CHECK (outcome IN ('positive', 'mixed', 'negative')),
    started_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    finished_at       timestamptz,
    CHECK ((outcome IS NULL) = (finished_at IS NULL)),
    UNIQUE (org_id, person_id, id),
    FOREIGN KEY (org_id, person_id, course_attempt_id) REFERENCES course_attempts (org_id, person_id, id),
    FOREIGN KEY (content_kind, scenario_id, scenario_version) REFERENCES content_versions (kind, id, version)
);
CREATE INDEX scenario_attempts_course ON scenario_attempts (course_attempt_id, step_id, started_at DESC);

CREATE FUNCTION scenario_attempts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'scenario_attempts are never deleted';
    END IF;
    IF OLD.finished_at IS NOT NULL THEN
        RAISE EXCEPTION 'scenario attempt % is finished and cannot change', OLD.id;
    END IF;
    IF NEW.id <> OLD.id OR NEW.org_id <> OLD.org_id OR NEW.person_id <> OLD.person_id
        OR NEW.course_attempt_id <> OLD.course_attempt_id OR NEW.step_id <> OLD.step_id
        OR NEW.scenario_id <> OLD.scenario_id OR NEW.scenario_version <> OLD.scenario_version
        OR NEW.started_at <> OLD.started_at OR NEW.choices < OLD.choices THEN
        RAISE EXCEPTION 'scenario attempt % keeps its identity, version and history', OLD.id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER scenario_attempts_guard BEFORE UPDATE OR DELETE ON scenario_attempts
    FOR EACH ROW EXECUTE FUNCTION scenario_attempts_guard();

-- Every choice made in a scenario attempt, in order: the history the
-- attempt's state was built from.
CREATE TABLE scenario_choices (
    attempt_id uuid NOT NULL,
    seq        integer NOT NULL CHECK (seq >= 1),
    org_id     uuid NOT NULL,
    person_id  uuid NOT NULL,
    node       text NOT NULL,
    choice     integer NOT NULL CHECK (choice >= 1),
    at         timestamptz NOT NULL,
    PRIMARY KEY (attempt_id, seq),
    FOREIGN KEY (org_id, person_id, attempt_id) REFERENCES scenario_attempts (org_id, person_id, id)
);
CREATE TRIGGER scenario_choices_append_only BEFORE UPDATE OR DELETE ON scenario_choices
    FOR EACH ROW EXECUTE FUNCTION learning_append_only();

-- A submitted quiz: the option picked for each question (1-based, in
-- question order) and the score.
CREATE TABLE quiz_attempts (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id            uuid NOT NULL,
    person_id         uuid NOT NULL,
    course_attempt_id uuid NOT NULL,
    step_id           text NOT NULL,
    fingerprint       text NOT NULL,
    answers           jsonb NOT NULL,
    correct           integer NOT NULL CHECK (correct >= 0),
    total             integer NOT NULL CHECK (total >= 1 AND correct <= total),
    pass_percent      integer NOT NULL CHECK (pass_percent BETWEEN 0 AND 100),
    passed            boolean NOT NULL,
    at                timestamptz NOT NULL,
    FOREIGN KEY (org_id, person_id, course_attempt_id) REFERENCES course_attempts (org_id, person_id, id)
);
CREATE INDEX quiz_attempts_course ON quiz_attempts (course_attempt_id, step_id, at DESC);
CREATE TRIGGER quiz_attempts_append_only BEFORE UPDATE OR DELETE ON quiz_attempts
    FOR EACH ROW EXECUTE FUNCTION learning_append_only();

-- The confidence check: each statement answered 1-5, or skipped (NULL),
-- before the first step (pre) and after the last (post). The first answer
-- for a statement stands. The statement text is kept because a later module
-- version may word it differently.
CREATE TABLE confidence_answers (
    org_id            uuid NOT NULL,
    person_id         uuid NOT NULL,
    course_attempt_id uuid NOT NULL,
    phase             text NOT NULL CHECK (phase IN ('pre', 'post')),
    statement         integer NOT NULL CHECK (statement >= 1),
    statement_text    text NOT NULL,
    value             smallint CHECK (value BETWEEN 1 AND 5),
    at                timestamptz NOT NULL,
    PRIMARY KEY (course_attempt_id, phase, statement),
    FOREIGN KEY (org_id, person_id, course_attempt_id) REFERENCES course_attempts (org_id, person_id, id)
);
CREATE TRIGGER confidence_answers_append_only BEFORE UPDATE OR DELETE ON confidence_answers
    FOR EACH ROW EXECUTE FUNCTION learning_append_only();

-- Private notes. Only their author reads them (every query is scoped to the
-- person), and only their author may delete them; they are never edited.
-- Deleting one leaves the step's "answered" event, so progress stands.
CREATE TABLE reflections (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id            uuid NOT NULL,
    person_id         uuid NOT NULL,
    course_attempt_id uuid NOT NULL,
    step_id           text NOT NULL,
    body              text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at        timestamptz NOT NULL,
    FOREIGN KEY (org_id, person_id, course_attempt_id) REFERENCES course_attempts (org_id, person_id, id)
);
CREATE INDEX reflections_person ON reflections (org_id, person_id, created_at DESC);

CREATE FUNCTION reflections_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'reflections are never edited';
END;
$$;
CREATE TRIGGER reflections_no_update BEFORE UPDATE ON reflections
    FOR EACH ROW EXECUTE FUNCTION reflections_no_update();

-- A finished module. The course attempt is the idempotency key: however
-- often and however concurrently the last step is submitted, an attempt
-- completes once.
CREATE TABLE completions (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id            uuid NOT NULL,
    person_id         uuid NOT NULL,
    course_attempt_id uuid NOT NULL UNIQUE,
    module_id         text NOT NULL,
    module_version    text NOT NULL,
    content_kind      text NOT NULL GENERATED ALWAYS AS ('module') STORED,
    completed_at      timestamptz NOT NULL,
    expires_at        timestamptz CHECK (expires_at > completed_at),
    summary           jsonb NOT NULL DEFAULT '{}',
    UNIQUE (org_id, person_id, id),
    FOREIGN KEY (org_id, person_id, course_attempt_id) REFERENCES course_attempts (org_id, person_id, id),
    FOREIGN KEY (content_kind, module_id, module_version) REFERENCES content_versions (kind, id, version)
);
CREATE INDEX completions_person ON completions (org_id, person_id, completed_at DESC);
CREATE INDEX completions_org_module ON completions (org_id, module_id, completed_at DESC);
CREATE TRIGGER completions_append_only BEFORE UPDATE OR DELETE ON completions
    FOR EACH ROW EXECUTE FUNCTION learning_append_only();

-- One certificate per completion. The code is 128 random bits: knowing it
-- is what lets anyone confirm the certificate at /verify/<code>.
CREATE TABLE certificates (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid NOT NULL,
    person_id     uuid NOT NULL,
    completion_id uuid NOT NULL UNIQUE,
    code          text NOT NULL UNIQUE CHECK (code ~ '^[a-z2-7]{26}$'),
    issued_at     timestamptz NOT NULL,
    FOREIGN KEY (org_id, person_id, completion_id) REFERENCES completions (org_id, person_id, id)
);
CREATE INDEX certificates_person ON certificates (org_id, person_id);
CREATE TRIGGER certificates_append_only BEFORE UPDATE OR DELETE ON certificates
    FOR EACH ROW EXECUTE FUNCTION learning_append_only();

-- Where an organisation's people can find support (an EAP, a helpline, a
-- named contact), shown on every course page. Organisation admins edit them.
CREATE TABLE support_resources (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organisations (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    link        text NOT NULL DEFAULT '' CHECK (length(link) <= 500),
    phone       text NOT NULL DEFAULT '' CHECK (length(phone) <= 50),
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CHECK (link <> '' OR phone <> '')
);
CREATE INDEX support_resources_org ON support_resources (org_id, position, name);
