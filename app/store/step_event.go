package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Step events say what a learner did with a step of a module.
const (
	EventOpened   = "opened"   // a lesson was shown
	EventPassed   = "passed"   // a quiz was passed
	EventFailed   = "failed"   // a quiz was not passed
	EventAnswered = "answered" // a reflection was written
	EventSkipped  = "skipped"  // a reflection was skipped
	EventFinished = "finished" // a scenario reached an ending (Outcome says which)
)

// StepEvent is one append-only record of progress through a module. The
// step is named by its id and the fingerprint of its content at the time.
type StepEvent struct {
	bun.BaseModel `bun:"table:step_events,alias:se"`

	ID          int64     `bun:"id,pk,autoincrement"`
	OrgID       uuid.UUID `bun:"org_id,type:uuid"`
	PersonID    uuid.UUID `bun:"person_id,type:uuid"`
	AttemptID   uuid.UUID `bun:"attempt_id,type:uuid"`
	StepID      string    `bun:"step_id"`
	Fingerprint string    `bun:"fingerprint"`
	Event       string    `bun:"event"`
	Outcome     *string   `bun:"outcome"` // only for EventFinished
	At          time.Time `bun:"at"`
}

// AddStepEvent records a step event of the person.
func (m *Member) AddStepEvent(ctx context.Context, e StepEvent) error {
	return wrap("add step event", m.run(ctx, func(db bun.IDB) error { return m.insertStepEvent(ctx, db, e) }))
}

func (m *Member) insertStepEvent(ctx context.Context, db bun.IDB, e StepEvent) error {
	e.ID = 0
	e.OrgID, e.PersonID = m.o.id, m.id
	_, err := db.NewInsert().Model(&e).Exec(ctx)
	return err
}

// AddStepEventOnce records a step event unless the same attempt already has
// the same event for the same step content: opening a lesson ten times is
// one "opened".
func (m *Member) AddStepEventOnce(ctx context.Context, e StepEvent) error {
	return wrap("add step event", m.run(ctx, func(db bun.IDB) error {
		_, err := db.NewRaw(`INSERT INTO step_events (org_id, person_id, attempt_id, step_id, fingerprint, event, outcome, at)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?
		WHERE NOT EXISTS (SELECT 1 FROM step_events
			WHERE attempt_id = ? AND step_id = ? AND fingerprint = ? AND event = ?)`,
			m.o.id, m.id, e.AttemptID, e.StepID, e.Fingerprint, e.Event, e.Outcome, e.At,
			e.AttemptID, e.StepID, e.Fingerprint, e.Event).Exec(ctx)
		return err
	}))
}

// StepEvents lists the person's events of every attempt in a chain (see
// CourseAttempt), oldest first.
func (m *Member) StepEvents(ctx context.Context, rootID uuid.UUID) ([]StepEvent, error) {
	var es []StepEvent
	err := m.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&es).
			Join("JOIN course_attempts AS ca ON ca.id = se.attempt_id").
			Where("se.org_id = ?", m.o.id).Where("se.person_id = ?", m.id).
			Where("ca.root_id = ?", rootID).
			OrderExpr("se.at, se.id").Scan(ctx)
	})
	return es, wrap("list step events", err)
}
