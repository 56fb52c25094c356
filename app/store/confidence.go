package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Confidence check phases.
const (
	PhasePre  = "pre"  // before the first step
	PhasePost = "post" // after the last
)

// ConfidenceAnswer is one statement of a confidence check, answered 1–5 or
// skipped (Value nil). The first answer stands; it is never changed.
type ConfidenceAnswer struct {
	bun.BaseModel `bun:"table:confidence_answers,alias:cf"`

	OrgID           uuid.UUID `bun:"org_id,type:uuid"`
	PersonID        uuid.UUID `bun:"person_id,type:uuid"`
	CourseAttemptID uuid.UUID `bun:"course_attempt_id,type:uuid,pk"`
	Phase           string    `bun:"phase,pk"`
	Statement       int       `bun:"statement,pk"` // 1-based position in the module's list
	StatementText   string    `bun:"statement_text"`
	Value           *int      `bun:"value"`
	At              time.Time `bun:"at"`
}

// AddConfidenceAnswers stores a phase's answers of the person; statements
// already answered in that attempt and phase keep their first answer. It
// reports how many answers were new.
func (m *Member) AddConfidenceAnswers(ctx context.Context, answers []ConfidenceAnswer) (int, error) {
	if len(answers) == 0 {
		return 0, nil
	}
	for i := range answers {
		answers[i].OrgID, answers[i].PersonID = m.o.id, m.id
	}
	var n int64
	err := m.run(ctx, func(db bun.IDB) error {
		res, err := db.NewInsert().Model(&answers).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), wrap("add confidence answers", err)
}

// ConfidenceAnswers lists the person's answers given anywhere in a course
// attempt chain, in phase and statement order.
func (m *Member) ConfidenceAnswers(ctx context.Context, rootID uuid.UUID) ([]ConfidenceAnswer, error) {
	var as []ConfidenceAnswer
	err := m.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&as).
			Join("JOIN course_attempts AS ca ON ca.id = cf.course_attempt_id").
			Where("cf.org_id = ?", m.o.id).Where("cf.person_id = ?", m.id).Where("ca.root_id = ?", rootID).
			OrderExpr("cf.phase DESC, cf.statement, cf.at").Scan(ctx)
	})
	return as, wrap("list confidence answers", err)
}
