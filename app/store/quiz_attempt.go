package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// QuizAttempt is one submitted quiz: the option picked for each question
// (1-based, in question order; 0 for a question left unanswered) and the
// score against the pass mark in force at the time.
type QuizAttempt struct {
	bun.BaseModel `bun:"table:quiz_attempts,alias:qa"`

	ID              uuid.UUID `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	OrgID           uuid.UUID `bun:"org_id,type:uuid"`
	PersonID        uuid.UUID `bun:"person_id,type:uuid"`
	CourseAttemptID uuid.UUID `bun:"course_attempt_id,type:uuid"`
	StepID          string    `bun:"step_id"`
	Fingerprint     string    `bun:"fingerprint"`
	Answers         []int     `bun:"answers,type:jsonb"`
	Correct         int       `bun:"correct"`
	Total           int       `bun:"total"`
	PassPercent     int       `bun:"pass_percent"`
	Passed          bool      `bun:"passed"`
	At              time.Time `bun:"at"`
}

// AddQuizAttempt stores a quiz attempt of the person's and its
// passed/failed step event together.
func (m *Member) AddQuizAttempt(ctx context.Context, a QuizAttempt, e StepEvent) (QuizAttempt, error) {
	a.ID = uuid.New()
	a.OrgID, a.PersonID = m.o.id, m.id
	err := m.run(ctx, func(db bun.IDB) error {
		if _, err := db.NewInsert().Model(&a).Exec(ctx); err != nil {
			return err
		}
		return m.insertStepEvent(ctx, db, e)
	})
	return a, wrap("add quiz attempt", err)
}

func (m *Member) selectQuizAttempts(db bun.IDB, as any) *bun.SelectQuery {
	return db.NewSelect().Model(as).Where("qa.org_id = ?", m.o.id).Where("qa.person_id = ?", m.id)
}

// QuizAttempt loads one of the person's quiz attempts.
func (m *Member) QuizAttempt(ctx context.Context, id uuid.UUID) (QuizAttempt, error) {
	var a QuizAttempt
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectQuizAttempts(db, &a).Where("qa.id = ?", id).Scan(ctx)
	})
	return a, wrap("load quiz attempt", err)
}

// QuizAttempts lists the person's attempts at a quiz step in a course
// attempt chain, newest first.
func (m *Member) QuizAttempts(ctx context.Context, rootID uuid.UUID, stepID string) ([]QuizAttempt, error) {
	var as []QuizAttempt
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectQuizAttempts(db, &as).
			Join("JOIN course_attempts AS ca ON ca.id = qa.course_attempt_id").
			Where("ca.root_id = ?", rootID).Where("qa.step_id = ?", stepID).
			OrderExpr("qa.at DESC, qa.id DESC").Scan(ctx)
	})
	return as, wrap("list quiz attempts", err)
}

// AllQuizAttempts lists every quiz attempt of the person, newest first.
func (m *Member) AllQuizAttempts(ctx context.Context) ([]QuizAttempt, error) {
	var as []QuizAttempt
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectQuizAttempts(db, &as).OrderExpr("qa.at DESC, qa.id DESC").Scan(ctx)
	})
	return as, wrap("list quiz attempts", err)
}
