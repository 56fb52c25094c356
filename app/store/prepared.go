package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/db"
)

// The statements of the hot paths (the session lookup, a course's
// progress, a scenario choice): fixed text, their values sent apart, so
// each connection prepares them once (db.Statement) and PostgreSQL parses
// and plans them once per connection, not at every request as it does a
// query with its values written in. Their rows are scanned column by
// column, in the order of the text, without bun's reflection.

const (
	uuidOID        = pgtype.UUIDOID
	textOID        = pgtype.TextOID
	int4OID        = pgtype.Int4OID
	byteaOID       = pgtype.ByteaOID
	jsonbOID       = pgtype.JSONBOID
	timestamptzOID = pgtype.TimestamptzOID
)

// prepared sends qs in one round trip on db's connection (after a held-back
// BEGIN and set_config, in the same one) and calls scan for each row of
// each query's result, set being the query's index.
func prepared(ctx context.Context, idb bun.IDB, qs db.Prepared, scan func(set int, rows *sql.Rows) error) error {
	var rows *sql.Rows
	var err error
	switch d := idb.(type) {
	case bun.Tx:
		rows, err = d.Tx.QueryContext(ctx, db.PreparedSQL, qs)
	case *bun.DB:
		rows, err = d.DB.QueryContext(ctx, db.PreparedSQL, qs)
	case bun.Conn:
		rows, err = d.Conn.QueryContext(ctx, db.PreparedSQL, qs)
	default:
		return fmt.Errorf("store: prepared statements on %T", idb)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for set := range qs {
		if set > 0 && !rows.NextResultSet() {
			if err := rows.Err(); err != nil {
				return err
			}
			return fmt.Errorf("no result for query %d of %d", set+1, len(qs))
		}
		for rows.Next() {
			if err := scan(set, rows); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return rows.Close()
}

// latestAttempt is the person's ($1, $2) latest attempt at a module ($3),
// as a subquery yielding col.
func latestAttempt(col string) string {
	return `(SELECT l.` + col + ` FROM course_attempts AS l
		WHERE l.org_id = $1 AND l.person_id = $2 AND l.module_id = $3
		ORDER BY l.started_at DESC, l.id DESC LIMIT 1)`
}

const courseAttemptColumns = `ca.id, ca.org_id, ca.person_id, ca.root_id, ca.module_id, ca.module_version, ca.started_at, c.completed_at`

func scanCourseAttempt(rows *sql.Rows, a *CourseAttempt) error {
	return rows.Scan(&a.ID, &a.OrgID, &a.PersonID, &a.RootID, &a.ModuleID, &a.ModuleVersion, &a.StartedAt, &a.CompletedAt)
}

const completionColumns = `c.id, c.org_id, c.person_id, c.course_attempt_id, c.module_id, c.module_version,
	c.completed_at, c.expires_at, c.summary, ce.id AS certificate_id, ce.code AS certificate_code`

func scanCompletion(rows *sql.Rows, c *Completion) error {
	var summary []byte
	if err := rows.Scan(&c.ID, &c.OrgID, &c.PersonID, &c.CourseAttemptID, &c.ModuleID, &c.ModuleVersion,
		&c.CompletedAt, &c.ExpiresAt, &summary, &c.CertificateID, &c.CertificateCode); err != nil {
		return err
	}
	c.Summary = nil
	if summary != nil {
		return json.Unmarshal(summary, &c.Summary)
	}
	return nil
}

const stepEventColumns = `se.id, se.org_id, se.person_id, se.attempt_id, se.step_id, se.fingerprint, se.event, se.outcome, se.at`

func scanStepEvent(rows *sql.Rows, e *StepEvent) error {
	return rows.Scan(&e.ID, &e.OrgID, &e.PersonID, &e.AttemptID, &e.StepID, &e.Fingerprint, &e.Event, &e.Outcome, &e.At)
}

const confidenceColumns = `cf.org_id, cf.person_id, cf.course_attempt_id, cf.phase, cf.statement, cf.statement_text, cf.value, cf.at`

func scanConfidence(rows *sql.Rows, a *ConfidenceAnswer) error {
	return rows.Scan(&a.OrgID, &a.PersonID, &a.CourseAttemptID, &a.Phase, &a.Statement, &a.StatementText, &a.Value, &a.At)
}

const supportColumns = `sr.id, sr.org_id, sr.name, sr.description, sr.link, sr.phone, sr.position, sr.created_at, sr.updated_at`

func scanSupport(rows *sql.Rows, r *SupportResource) error {
	return rows.Scan(&r.ID, &r.OrgID, &r.Name, &r.Description, &r.Link, &r.Phone, &r.Position, &r.CreatedAt, &r.UpdatedAt)
}

const scenarioAttemptColumns = `sa.id, sa.org_id, sa.person_id, sa.course_attempt_id, sa.step_id, sa.scenario_id,
	sa.scenario_version, sa.state, sa.choices, sa.outcome, sa.started_at, sa.updated_at, sa.finished_at,
	ca.module_id, ca.root_id`

func scanScenarioAttempt(rows *sql.Rows, a *ScenarioAttempt) error {
	var state []byte
	if err := rows.Scan(&a.ID, &a.OrgID, &a.PersonID, &a.CourseAttemptID, &a.StepID, &a.ScenarioID,
		&a.ScenarioVersion, &state, &a.Choices, &a.Outcome, &a.StartedAt, &a.UpdatedAt, &a.FinishedAt,
		&a.ModuleID, &a.RootID); err != nil {
		return err
	}
	a.State = json.RawMessage(state)
	return nil
}

// ReadCourse's statements: each takes the organisation ($1), the person
// ($2) and the module ($3), and finds the latest attempt for itself.
var (
	readAttemptStmt = db.NewStatement("read_course_attempt",
		`SELECT `+courseAttemptColumns+`
		FROM course_attempts AS ca LEFT JOIN completions AS c ON c.course_attempt_id = ca.id
		WHERE ca.org_id = $1 AND ca.person_id = $2 AND ca.module_id = $3
		ORDER BY ca.started_at DESC, ca.id DESC LIMIT 1`,
		uuidOID, uuidOID, textOID)
	readCompletionStmt = db.NewStatement("read_course_completion",
		`SELECT `+completionColumns+`
		FROM completions AS c LEFT JOIN certificates AS ce ON ce.completion_id = c.id
		WHERE c.org_id = $1 AND c.person_id = $2 AND c.course_attempt_id = `+latestAttempt("id"),
		uuidOID, uuidOID, textOID)
	readEventsStmt = db.NewStatement("read_course_events",
		`SELECT `+stepEventColumns+`
		FROM step_events AS se JOIN course_attempts AS ca ON ca.id = se.attempt_id
		WHERE se.org_id = $1 AND se.person_id = $2 AND ca.root_id = `+latestAttempt("root_id")+`
		ORDER BY se.at, se.id`,
		uuidOID, uuidOID, textOID)
	readAnswersStmt = db.NewStatement("read_course_answers",
		`SELECT `+confidenceColumns+`
		FROM confidence_answers AS cf JOIN course_attempts AS ca ON ca.id = cf.course_attempt_id
		WHERE cf.org_id = $1 AND cf.person_id = $2 AND ca.root_id = `+latestAttempt("root_id")+`
		ORDER BY cf.phase DESC, cf.statement, cf.at`,
		uuidOID, uuidOID, textOID)
	readLatestScenarioStmt = db.NewStatement("read_course_latest_scenario",
		`SELECT `+scenarioAttemptColumns+`
		FROM scenario_attempts AS sa JOIN course_attempts AS ca ON ca.id = sa.course_attempt_id
		WHERE sa.org_id = $1 AND sa.person_id = $2 AND ca.root_id = `+latestAttempt("root_id")+`
		AND sa.step_id = $4
		ORDER BY sa.started_at DESC, sa.id DESC LIMIT 1`,
		uuidOID, uuidOID, textOID, textOID)
	// The organisation ($1) only.
	readSupportStmt = db.NewStatement("read_support",
		`SELECT `+supportColumns+` FROM support_resources AS sr WHERE sr.org_id = $1
		ORDER BY sr.position, lower(sr.name), sr.id`,
		uuidOID)
	// The organisation ($1), the person ($2) and the attempt ($3).
	readScenarioStmt = db.NewStatement("read_scenario_attempt",
		`SELECT `+scenarioAttemptColumns+`
		FROM scenario_attempts AS sa JOIN course_attempts AS ca ON ca.id = sa.course_attempt_id
		WHERE sa.org_id = $1 AND sa.person_id = $2 AND sa.id = $3`,
		uuidOID, uuidOID, uuidOID)
)
