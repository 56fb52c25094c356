package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/fault"
)

// ScenarioAttempt is one play-through of a scenario, pinned to the scenario
// version it started on. State is the engine's state (app/scenario) after
// the last choice, as JSON; the store does not look inside it.
type ScenarioAttempt struct {
	bun.BaseModel `bun:"table:scenario_attempts,alias:sa"`

	ID              uuid.UUID       `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	OrgID           uuid.UUID       `bun:"org_id,type:uuid"`
	PersonID        uuid.UUID       `bun:"person_id,type:uuid"`
	CourseAttemptID uuid.UUID       `bun:"course_attempt_id,type:uuid"`
	StepID          string          `bun:"step_id"`
	ScenarioID      string          `bun:"scenario_id"`
	ScenarioVersion string          `bun:"scenario_version"`
	State           json.RawMessage `bun:"state,type:jsonb"`
	Choices         int             `bun:"choices"`
	Outcome         *string         `bun:"outcome"`
	StartedAt       time.Time       `bun:"started_at"`
	UpdatedAt       time.Time       `bun:"updated_at"`
	FinishedAt      *time.Time      `bun:"finished_at"`

	// ModuleID and RootID are filled by the queries (from the course
	// attempt: its module, and the chain it is in).
	ModuleID string    `bun:"module_id,scanonly"`
	RootID   uuid.UUID `bun:"root_id,scanonly,type:uuid"`
}

// ScenarioChoice is one choice made in a scenario attempt (append-only).
type ScenarioChoice struct {
	bun.BaseModel `bun:"table:scenario_choices,alias:sc"`

	AttemptID uuid.UUID `bun:"attempt_id,pk,type:uuid"`
	Seq       int       `bun:"seq,pk"`
	OrgID     uuid.UUID `bun:"org_id,type:uuid"`
	PersonID  uuid.UUID `bun:"person_id,type:uuid"`
	Node      string    `bun:"node"`
	Choice    int       `bun:"choice"`
	At        time.Time `bun:"at"`
}

// ErrStale means the attempt moved on since the page was shown (a second
// tab, a double submit): nothing was changed.
var ErrStale error = fault.Wrap(fault.Conflict, fmt.Errorf("store: the attempt has moved on: %w", ErrConflict))

// CreateScenarioAttempt starts a scenario attempt of the person's.
func (m *Member) CreateScenarioAttempt(ctx context.Context, a ScenarioAttempt) (ScenarioAttempt, error) {
	a.ID = uuid.New()
	a.OrgID, a.PersonID = m.o.id, m.id
	a.UpdatedAt = a.StartedAt
	err := m.run(ctx, func(db bun.IDB) error {
		_, err := db.NewInsert().Model(&a).Exec(ctx)
		return err
	})
	return a, wrap("create scenario attempt", err)
}

func (m *Member) selectScenarioAttempts(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().TableExpr("scenario_attempts AS sa").
		ColumnExpr("sa.id, sa.org_id, sa.person_id, sa.course_attempt_id, sa.step_id, sa.scenario_id, sa.scenario_version").
		ColumnExpr("sa.state, sa.choices, sa.outcome, sa.started_at, sa.updated_at, sa.finished_at, ca.module_id, ca.root_id").
		Join("JOIN course_attempts AS ca ON ca.id = sa.course_attempt_id").
		Where("sa.org_id = ?", m.o.id).Where("sa.person_id = ?", m.id)
}

// ScenarioAttempt loads one of the person's scenario attempts.
func (m *Member) ScenarioAttempt(ctx context.Context, id uuid.UUID) (ScenarioAttempt, error) {
	var a ScenarioAttempt
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectScenarioAttempts(db).Where("sa.id = ?", id).Scan(ctx, &a)
	})
	return a, wrap("load scenario attempt", err)
}

// ScenarioAttempts lists all of the person's scenario attempts, newest
// first.
func (m *Member) ScenarioAttempts(ctx context.Context) ([]ScenarioAttempt, error) {
	var as []ScenarioAttempt
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectScenarioAttempts(db).OrderExpr("sa.started_at DESC, sa.id DESC").Scan(ctx, &as)
	})
	return as, wrap("list scenario attempts", err)
}

// ChoiceRecord is a choice to store: the new state, and, when it reached an
// ending, the outcome and the step event that says so.
type ChoiceRecord struct {
	Seq      int // 1 for the attempt's first choice; must be one more than the stored count
	Node     string
	Choice   int
	State    json.RawMessage
	Outcome  *string
	Finished *StepEvent
	At       time.Time
}

// RecordChoice stores a choice and the state after it, all or nothing. If
// the attempt has moved on (another choice was stored first, or it has
// finished), it returns ErrStale and changes nothing: each choice applies
// once, to the state it was made on.
func (m *Member) RecordChoice(ctx context.Context, attemptID uuid.UUID, r ChoiceRecord) error {
	err := m.run(ctx, func(tx bun.IDB) error {
		// The attempt's update, the choice row and, at an ending, the step
		// event in one statement (one round trip), prepared once per
		// connection: the rows are added only if the update found the
		// attempt where the learner saw it. The choice's analytics trigger
		// runs after the statement, so it sees the attempt updated.
		args := []any{m.o.id, m.id, attemptID, []byte(r.State), r.Seq, r.At, r.Outcome, r.Node, r.Choice,
			nil, nil, nil, nil, nil, nil}
		if e := r.Finished; e != nil {
			args[9], args[10], args[11], args[12], args[13], args[14] = e.AttemptID, e.StepID, e.Fingerprint, e.Event, e.Outcome, e.At
		}
		n := 0
		if err := prepared(ctx, tx, db.Prepared{{Statement: recordChoiceStmt, Args: args}},
			func(int, *sql.Rows) error { n++; return nil }); err != nil {
			return err
		}
		if n == 0 {
			return ErrStale
		}
		return nil
	})
	if errors.Is(err, ErrStale) {
		return err
	}
	return wrap("record choice", err)
}

// recordChoiceStmt stores a choice: the organisation ($1), the person ($2),
// the attempt ($3), its new state ($4) and choice count ($5), the time
// ($6), the outcome at an ending ($7, else NULL), the node and choice ($8,
// $9), and at an ending the step event's course attempt, step,
// fingerprint, event, outcome and time ($10–$15; NULL otherwise, and then
// no event is written). One row back if the choice was stored, none if the
// attempt had moved on.
var recordChoiceStmt = db.NewStatement("record_choice",
	`WITH moved AS (
		UPDATE scenario_attempts SET state = $4, choices = $5, updated_at = $6,
			outcome = CASE WHEN $7::text IS NULL THEN outcome ELSE $7 END,
			finished_at = CASE WHEN $7::text IS NULL THEN finished_at ELSE $6 END
		WHERE org_id = $1 AND person_id = $2 AND id = $3 AND choices = $5 - 1 AND finished_at IS NULL
		RETURNING id
	), finished AS (
		INSERT INTO step_events (org_id, person_id, attempt_id, step_id, fingerprint, event, outcome, at)
		SELECT $1, $2, $10, $11, $12, $13, $14, $15 FROM moved WHERE $11::text IS NOT NULL
	)
	INSERT INTO scenario_choices (attempt_id, seq, org_id, person_id, node, choice, at)
	SELECT moved.id, $5, $1, $2, $8, $9, $6 FROM moved
	RETURNING 1`,
	uuidOID, uuidOID, uuidOID, jsonbOID, int4OID, timestamptzOID, textOID, textOID, int4OID,
	uuidOID, textOID, textOID, textOID, textOID, timestamptzOID)

// ScenarioChoices lists an attempt's choices in order.
func (m *Member) ScenarioChoices(ctx context.Context, attemptID uuid.UUID) ([]ScenarioChoice, error) {
	var cs []ScenarioChoice
	err := m.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&cs).
			Where("org_id = ?", m.o.id).Where("person_id = ?", m.id).Where("attempt_id = ?", attemptID).
			Order("seq").Scan(ctx)
	})
	return cs, wrap("list scenario choices", err)
}
