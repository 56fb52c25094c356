package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Reflection is a private note a learner wrote for a reflection step. Only
// its author can read or delete it: every method here takes the person as
// well as the organisation, and no method lists another person's notes.
type Reflection struct {
	bun.BaseModel `bun:"table:reflections,alias:r"`

	ID              uuid.UUID `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	OrgID           uuid.UUID `bun:"org_id,type:uuid"`
	PersonID        uuid.UUID `bun:"person_id,type:uuid"`
	CourseAttemptID uuid.UUID `bun:"course_attempt_id,type:uuid"`
	StepID          string    `bun:"step_id"`
	Body            string    `bun:"body"`
	CreatedAt       time.Time `bun:"created_at"`

	// ModuleID is filled by the queries (from the course attempt).
	ModuleID string `bun:"module_id,scanonly"`
}

// AddReflection stores a note of the person's and the step's "answered"
// event together.
func (m *Member) AddReflection(ctx context.Context, r Reflection, e StepEvent) (Reflection, error) {
	r.ID = uuid.New()
	r.OrgID, r.PersonID = m.o.id, m.id
	err := m.run(ctx, func(db bun.IDB) error {
		if _, err := db.NewInsert().Model(&r).Exec(ctx); err != nil {
			return err
		}
		return m.insertStepEvent(ctx, db, e)
	})
	return r, wrap("add reflection", err)
}

func (m *Member) selectReflections(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().TableExpr("reflections AS r").ColumnExpr("r.*, ca.module_id").
		Join("JOIN course_attempts AS ca ON ca.id = r.course_attempt_id").
		Where("r.org_id = ?", m.o.id).Where("r.person_id = ?", m.id)
}

// Reflections lists the person's notes for a reflection step in a course
// attempt chain, newest first.
func (m *Member) Reflections(ctx context.Context, rootID uuid.UUID, stepID string) ([]Reflection, error) {
	var rs []Reflection
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectReflections(db).Where("ca.root_id = ?", rootID).Where("r.step_id = ?", stepID).
			OrderExpr("r.created_at DESC, r.id").Scan(ctx, &rs)
	})
	return rs, wrap("list reflections", err)
}

// Reflection loads one of the person's notes.
func (m *Member) Reflection(ctx context.Context, id uuid.UUID) (Reflection, error) {
	var r Reflection
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectReflections(db).Where("r.id = ?", id).Scan(ctx, &r)
	})
	return r, wrap("load reflection", err)
}

// DeleteReflection removes one of the person's notes for good. Another
// person's note, even in the same organisation, is ErrNotFound.
func (m *Member) DeleteReflection(ctx context.Context, id uuid.UUID) error {
	return m.run(ctx, func(db bun.IDB) error {
		res, err := db.NewDelete().Table("reflections").
			Where("org_id = ?", m.o.id).Where("person_id = ?", m.id).Where("id = ?", id).Exec(ctx)
		return affected("delete reflection", res, err)
	})
}

// AllReflections lists all of the person's notes, newest first.
func (m *Member) AllReflections(ctx context.Context) ([]Reflection, error) {
	var rs []Reflection
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectReflections(db).OrderExpr("r.created_at DESC, r.id").Scan(ctx, &rs)
	})
	return rs, wrap("list reflections", err)
}
