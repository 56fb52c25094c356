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

// AddReflection stores a note and the step's "answered" event together.
func (s *Store) AddReflection(ctx context.Context, r Reflection, e StepEvent) (Reflection, error) {
	r.ID = uuid.New()
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&r).Exec(ctx); err != nil {
			return err
		}
		return insertStepEvent(ctx, tx, e)
	})
	return r, wrap("add reflection", err)
}

func (s *Store) selectReflections(orgID, personID uuid.UUID) *bun.SelectQuery {
	return s.db.NewSelect().TableExpr("reflections AS r").ColumnExpr("r.*, ca.module_id").
		Join("JOIN course_attempts AS ca ON ca.id = r.course_attempt_id").
		Where("r.org_id = ?", orgID).Where("r.person_id = ?", personID)
}

// Reflections lists the person's notes for a reflection step in a course
// attempt chain, newest first.
func (s *Store) Reflections(ctx context.Context, orgID, personID, rootID uuid.UUID, stepID string) ([]Reflection, error) {
	var rs []Reflection
	err := s.selectReflections(orgID, personID).
		Where("ca.root_id = ?", rootID).Where("r.step_id = ?", stepID).
		OrderExpr("r.created_at DESC, r.id").Scan(ctx, &rs)
	return rs, wrap("list reflections", err)
}

// Reflection loads one of the person's notes.
func (s *Store) Reflection(ctx context.Context, orgID, personID, id uuid.UUID) (Reflection, error) {
	var r Reflection
	err := s.selectReflections(orgID, personID).Where("r.id = ?", id).Scan(ctx, &r)
	return r, wrap("load reflection", err)
}

// DeleteReflection removes one of the person's notes for good. Another
// person's note, even in the same organisation, is ErrNotFound.
func (s *Store) DeleteReflection(ctx context.Context, orgID, personID, id uuid.UUID) error {
	res, err := s.db.NewDelete().Table("reflections").
		Where("org_id = ?", orgID).Where("person_id = ?", personID).Where("id = ?", id).Exec(ctx)
	return affected("delete reflection", res, err)
}

// AllReflections lists all of the person's notes, newest first.
func (s *Store) AllReflections(ctx context.Context, orgID, personID uuid.UUID) ([]Reflection, error) {
	var rs []Reflection
	err := s.selectReflections(orgID, personID).OrderExpr("r.created_at DESC, r.id").Scan(ctx, &rs)
	return rs, wrap("list reflections", err)
}
