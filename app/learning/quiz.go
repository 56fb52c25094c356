package learning

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// QuizView is a quiz step: the questions and the learner's attempts at it.
type QuizView struct {
	Progress Progress
	Step     *content.Step
	// Attempts are the learner's attempts at this quiz in the current
	// chain, newest first.
	Attempts []store.QuizAttempt
}

// Passed reports whether any attempt passed.
func (q QuizView) Passed() bool {
	for _, a := range q.Attempts {
		if a.Passed && a.Fingerprint == Fingerprint(q.Step) {
			return true
		}
	}
	return false
}

// QuizResult is one submitted attempt, question by question.
type QuizResult struct {
	Progress Progress
	Step     *content.Step
	Attempt  store.QuizAttempt
	// Answers pair each question with the option picked; empty when the
	// quiz has changed since the attempt (its score still stands).
	Answers []Answer
}

// Answer is one question of a submitted quiz.
type Answer struct {
	Number   int
	Question *content.Question
	Picked   *content.Option // nil if left unanswered
	Correct  bool
	// Right is the correct option, shown when the pick was wrong.
	Right *content.Option
}

// Quiz shows a quiz step.
func (s *Service) Quiz(ctx context.Context, l org.Actor, moduleID string, index int) (QuizView, error) {
	var v QuizView
	err := s.stepView(ctx, l, moduleID, index, content.QuizStep, func(l org.Actor, a store.CourseAttempt, st *content.Step, p Progress) (err error) {
		v.Step, v.Progress = st, p
		v.Attempts, err = l.Member().QuizAttempts(ctx, a.RootID, st.ID)
		return err
	})
	if err != nil {
		return QuizView{}, err
	}
	return v, nil
}

// SubmitQuiz scores the learner's answers: picks[i] is the 1-based option
// picked for question i+1. Every question must be answered. The attempt and
// its passed/failed event are stored together; the quiz can be retaken as
// often as the learner likes.
func (s *Service) SubmitQuiz(ctx context.Context, l org.Actor, moduleID string, index int, picks []int) (QuizResult, error) {
	m, st, err := s.stepOfKind(ctx, l, moduleID, index, content.QuizStep)
	if err != nil {
		return QuizResult{}, err
	}
	q := st.Quiz
	if len(picks) != len(q.Questions) {
		return QuizResult{}, fault.Input("answers", "Answer every question, then check your answers.")
	}
	var unanswered []int
	correct := 0
	for i, p := range picks {
		opts := q.Questions[i].Options
		if p < 1 || p > len(opts) {
			unanswered = append(unanswered, i+1)
			continue
		}
		if opts[p-1].Correct {
			correct++
		}
	}
	if len(unanswered) > 0 {
		return QuizResult{}, fault.Input("answers", fmt.Sprintf("Answer every question, then check your answers. Not answered yet: %s.", joinInts(unanswered)))
	}
	a, err := s.openAttempt(ctx, l, m, store.ResumeAttempt)
	if err != nil {
		return QuizResult{}, err
	}
	passed := q.Passed(correct)
	kind := store.EventFailed
	if passed {
		kind = store.EventPassed
	}
	qa, err := l.Member().AddQuizAttempt(ctx, store.QuizAttempt{
		CourseAttemptID: a.ID, StepID: st.ID, Fingerprint: Fingerprint(st),
		Answers: picks, Correct: correct, Total: len(q.Questions), PassPercent: q.PassPercent, Passed: passed, At: s.Now(),
	}, s.event(l, a, st, kind))
	if err != nil {
		return QuizResult{}, err
	}
	return s.QuizResult(ctx, l, moduleID, index, qa.ID)
}

// QuizResult shows one of the learner's own quiz attempts.
func (s *Service) QuizResult(ctx context.Context, l org.Actor, moduleID string, index int, id uuid.UUID) (QuizResult, error) {
	m, st, err := s.stepOfKind(ctx, l, moduleID, index, content.QuizStep)
	if err != nil {
		return QuizResult{}, err
	}
	var qa store.QuizAttempt
	var p Progress
	err = inTx(ctx, l, func(l org.Actor) error {
		var err error
		qa, err = l.Member().QuizAttempt(ctx, id)
		if err != nil {
			return notFound(err)
		}
		ca, err := l.Member().CourseAttempt(ctx, qa.CourseAttemptID)
		if err != nil {
			return err
		}
		if ca.ModuleID != m.ID || qa.StepID != st.ID {
			return ErrNotFound
		}
		p, err = s.progress(ctx, l, m, ca)
		return err
	})
	if err != nil {
		return QuizResult{}, err
	}
	r := QuizResult{Progress: p, Step: st, Attempt: qa}
	if qa.Fingerprint == Fingerprint(st) && len(qa.Answers) == len(st.Quiz.Questions) {
		for i, qu := range st.Quiz.Questions {
			ans := Answer{Number: i + 1, Question: qu}
			if p := qa.Answers[i]; p >= 1 && p <= len(qu.Options) {
				ans.Picked = qu.Options[p-1]
				ans.Correct = ans.Picked.Correct
			}
			for _, o := range qu.Options {
				if o.Correct {
					ans.Right = o
				}
			}
			r.Answers = append(r.Answers, ans)
		}
	}
	return r, nil
}

func joinInts(ns []int) string {
	out := ""
	for i, n := range ns {
		switch {
		case i == 0:
		case i == len(ns)-1:
			out += " and "
		default:
			out += ", "
		}
		out += strconv.Itoa(n)
	}
	return out
}
