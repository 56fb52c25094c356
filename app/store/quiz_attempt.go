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

// AddQuizAttempt stores a quiz attempt and its passed/failed step event
// together.
func (s *Store) AddQuizAttempt(ctx context.Context, a QuizAttempt, e StepEvent) (QuizAttempt, error) {
	a.ID = uuid.New()
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&a).Exec(ctx); err != nil {
			return err
		}
		return insertStepEvent(ctx, tx, e)
	})
	return a, wrap("add quiz attempt", err)
}

// QuizAttempt loads one of the person's quiz attempts.
func (s *Store) QuizAttempt(ctx context.Context, orgID, personID, id uuid.UUID) (QuizAttempt, error) {
	var a QuizAttempt
	err := s.db.NewSelect().Model(&a).
		Where("org_id = ?", orgID).Where("person_id = ?", personID).Where("id = ?", id).Scan(ctx)
	return a, wrap("load quiz attempt", err)
}

// QuizAttempts lists the person's attempts at a quiz step in a course
// attempt chain, newest first.
func (s *Store) QuizAttempts(ctx context.Context, orgID, personID, rootID uuid.UUID, stepID string) ([]QuizAttempt, error) {
	var as []QuizAttempt
	err := s.db.NewSelect().Model(&as).
		Join("JOIN course_attempts AS ca ON ca.id = qa.course_attempt_id").
		Where("qa.org_id = ?", orgID).Where("qa.person_id = ?", personID).
		Where("ca.root_id = ?", rootID).Where("qa.step_id = ?", stepID).
		OrderExpr("qa.at DESC, qa.id DESC").Scan(ctx)
	return as, wrap("list quiz attempts", err)
}

// AllQuizAttempts lists every quiz attempt of the person, newest first.
func (s *Store) AllQuizAttempts(ctx context.Context, orgID, personID uuid.UUID) ([]QuizAttempt, error) {
	var as []QuizAttempt
	err := s.db.NewSelect().Model(&as).
		Where("org_id = ?", orgID).Where("person_id = ?", personID).
		OrderExpr("at DESC, id DESC").Scan(ctx)
	return as, wrap("list quiz attempts", err)
}
