package learning

import (
	"context"
	"time"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// Record is everything the learner has done, for their "My record" page and
// its CSV download. It is only ever built for the learner themself.
type Record struct {
	Completions []RecordCompletion
	Attempts    []RecordAttempt
	Scenarios   []RecordScenario
	Quizzes     []RecordQuiz
}

// RecordCompletion is a completion with its course title and status.
type RecordCompletion struct {
	store.Completion
	Title  string
	Status Status
}

// RecordAttempt is a course attempt with its title.
type RecordAttempt struct {
	store.CourseAttempt
	Title string
}

// RecordScenario is a scenario attempt with its title.
type RecordScenario struct {
	store.ScenarioAttempt
	Title string
}

// RecordQuiz is a quiz attempt with its course's title.
type RecordQuiz struct {
	store.QuizAttempt
	Title string
}

// Record gathers the learner's record.
func (s *Service) Record(ctx context.Context, l org.Actor) (Record, error) {
	var (
		r           Record
		completions []store.Completion
		attempts    []store.CourseAttempt
		scenarios   []store.ScenarioAttempt
		quizzes     []store.QuizAttempt
		cat         *content.Catalogue
	)
	err := inTx(ctx, l, func(l org.Actor) error {
		var err error
		if cat, err = s.Served(ctx, l); err != nil {
			return err
		}
		if completions, err = l.Member().Completions(ctx); err != nil {
			return err
		}
		if attempts, err = l.Member().CourseAttempts(ctx); err != nil {
			return err
		}
		if scenarios, err = l.Member().ScenarioAttempts(ctx); err != nil {
			return err
		}
		quizzes, err = l.Member().AllQuizAttempts(ctx)
		return err
	})
	if err != nil {
		return r, err
	}
	now := s.Now()
	for _, c := range completions {
		r.Completions = append(r.Completions, RecordCompletion{Completion: c, Title: moduleTitle(cat, c.ModuleID), Status: completionStatus(c, now)})
	}
	titles := map[string]string{}
	for _, a := range attempts {
		r.Attempts = append(r.Attempts, RecordAttempt{CourseAttempt: a, Title: moduleTitle(cat, a.ModuleID)})
		titles[a.ID.String()] = moduleTitle(cat, a.ModuleID)
	}
	for _, sa := range scenarios {
		title := sa.ScenarioID
		if sc, ok := cat.Scenario(sa.ScenarioID); ok {
			title = sc.Title
		}
		r.Scenarios = append(r.Scenarios, RecordScenario{ScenarioAttempt: sa, Title: title})
	}
	for _, q := range quizzes {
		r.Quizzes = append(r.Quizzes, RecordQuiz{QuizAttempt: q, Title: titles[q.CourseAttemptID.String()]})
	}
	return r, nil
}

// moduleTitle is a module's title, or its id when it is no longer served.
func moduleTitle(cat *content.Catalogue, id string) string {
	if m, ok := cat.Module(id); ok {
		return m.Title
	}
	return id
}

// InDate reports whether an expiry (nil: never) is still ahead at now.
func InDate(expires *time.Time, now time.Time) bool { return expires == nil || now.Before(*expires) }
