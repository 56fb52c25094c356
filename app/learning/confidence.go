package learning

import (
	"context"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// Scale is the confidence check's five-point answer scale, 1 to 5.
var Scale = []string{"Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"}

// ConfidenceView is a confidence check: the module's statements and any
// answers already given in this phase.
type ConfidenceView struct {
	Progress   Progress
	Phase      string
	Statements []string
	// Answers holds the stored value per statement (0 skipped or not yet
	// answered), index-aligned with Statements.
	Answers []int
	// Answered says the phase was answered or skipped already.
	Answered bool
}

func checkPhase(phase string) error {
	if phase != store.PhasePre && phase != store.PhasePost {
		return ErrNotFound
	}
	return nil
}

// Confidence shows a confidence check phase ("pre" or "post").
func (s *Service) Confidence(ctx context.Context, l org.Actor, moduleID, phase string) (ConfidenceView, error) {
	if err := checkPhase(phase); err != nil {
		return ConfidenceView{}, err
	}
	m, err := s.module(ctx, l, moduleID)
	if err != nil {
		return ConfidenceView{}, err
	}
	var a store.CourseAttempt
	var p Progress
	var answers []store.ConfidenceAnswer
	err = inTx(ctx, l, func(l org.Actor) error {
		var err error
		if a, p, err = s.latestProgress(ctx, l, m); err != nil {
			return err
		}
		answers, err = l.Member().ConfidenceAnswers(ctx, a.RootID)
		return err
	})
	if err != nil {
		return ConfidenceView{}, err
	}
	v := ConfidenceView{Progress: p, Phase: phase, Statements: m.Confidence, Answers: make([]int, len(m.Confidence))}
	v.Answered = (phase == store.PhasePre && p.PreAnswered) || (phase == store.PhasePost && p.PostAnswered)
	for _, ans := range answers {
		if ans.Phase != phase || (phase == store.PhasePost && ans.CourseAttemptID != a.ID) {
			continue
		}
		if i := ans.Statement - 1; i < len(v.Answers) && ans.Value != nil && ans.StatementText == m.Confidence[i] {
			v.Answers[i] = *ans.Value
		}
	}
	return v, nil
}

// AnswerConfidence stores a confidence check phase: values[i] is 1–5 for
// statement i+1, or 0 to skip it; skipping the whole check is all zeros.
// A statement answered before keeps its first answer.
func (s *Service) AnswerConfidence(ctx context.Context, l org.Actor, moduleID, phase string, values []int) error {
	if err := checkPhase(phase); err != nil {
		return err
	}
	m, err := s.module(ctx, l, moduleID)
	if err != nil {
		return err
	}
	if err := s.checkConfidence(m, values); err != nil {
		return err
	}
	a, err := s.openAttempt(ctx, l, m, store.ResumeAttempt)
	if err != nil {
		return err
	}
	return s.recordConfidence(ctx, l, m, a, phase, values)
}

// checkConfidence checks a phase's answers fit the module's statements.
func (s *Service) checkConfidence(m *content.Module, values []int) error {
	if len(values) != len(m.Confidence) {
		return fault.Input("answers", "The form did not match this course's statements. Please try again.")
	}
	for _, v := range values {
		if v < 0 || v > len(Scale) {
			return fault.Input("answers", "Answer each statement from 1 (strongly disagree) to 5 (strongly agree), or leave it blank.")
		}
	}
	return nil
}

func (s *Service) recordConfidence(ctx context.Context, l org.Actor, m *content.Module, a store.CourseAttempt, phase string, values []int) error {
	now := s.Now()
	rows := make([]store.ConfidenceAnswer, len(values))
	for i, v := range values {
		rows[i] = store.ConfidenceAnswer{CourseAttemptID: a.ID, Phase: phase,
			Statement: i + 1, StatementText: m.Confidence[i], At: now}
		if v > 0 {
			v := v
			rows[i].Value = &v
		}
	}
	_, err := l.Member().AddConfidenceAnswers(ctx, rows)
	return err
}
