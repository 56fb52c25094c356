package learning

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// Fingerprint identifies a step's content, so progress recorded against a
// step still counts after the module changes elsewhere, and stops counting
// when the step itself changes. A scenario step's fingerprint is its
// scenario id alone: each scenario attempt is pinned to its own version, and
// reaching an ending of an earlier version is still reaching an ending.
//
// A loaded step does not change, so its fingerprint is worked out once and
// kept while the step lives (progress asks for every step of a course on
// every page).
func Fingerprint(st *content.Step) string {
	k := weak.Make(st)
	if fp, ok := fingerprints.Load(k); ok {
		return fp.(string)
	}
	fp := fingerprint(st)
	if _, loaded := fingerprints.LoadOrStore(k, fp); !loaded {
		runtime.AddCleanup(st, func(k weak.Pointer[content.Step]) { fingerprints.Delete(k) }, k)
	}
	return fp
}

// fingerprints holds Fingerprint's answers by step, dropped with the step.
var fingerprints sync.Map // weak.Pointer[content.Step] → string

func fingerprint(st *content.Step) string {
	var v any
	switch st.Kind {
	case content.LessonStep:
		v = []string{"lesson", st.Lesson.Title, st.Lesson.Markdown}
	case content.ScenarioStep:
		v = []string{"scenario", st.Scenario.ID}
	case content.QuizStep:
		type option struct {
			Text     string `json:"t"`
			Correct  bool   `json:"c"`
			Feedback string `json:"f"`
		}
		type question struct {
			Prompt  string   `json:"p"`
			Options []option `json:"o"`
		}
		q := struct {
			Pass      int        `json:"pass"`
			Questions []question `json:"q"`
		}{Pass: st.Quiz.PassPercent}
		for _, qu := range st.Quiz.Questions {
			cq := question{Prompt: qu.Prompt}
			for _, o := range qu.Options {
				cq.Options = append(cq.Options, option{o.Text, o.Correct, o.Feedback})
			}
			q.Questions = append(q.Questions, cq)
		}
		v = q
	case content.ReflectionStep:
		v = []string{"reflection", st.Reflection}
	}
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(append([]byte(st.ID+"\x00"), b...))
	return hex.EncodeToString(sum[:8])
}

// StepState says where the learner is with one step.
type StepState string

// Step states, in the words the course page uses.
const (
	NotStarted StepState = "not started"
	Opened     StepState = "read"
	InProgress StepState = "in progress"
	Passed     StepState = "passed"
	Failed     StepState = "not passed yet"
	Answered   StepState = "answered"
	Skipped    StepState = "skipped"
	Finished   StepState = "finished"
)

// StepProgress is one step of a module and what the learner has done.
type StepProgress struct {
	Step  *content.Step
	State StepState
	// Outcome is the best scenario outcome reached (positive over mixed
	// over negative), for scenario steps.
	Outcome content.Outcome
	// Done says the step counts towards completion.
	Done bool
}

// Progress is the learner's progress through a module (the version being
// served), in their latest attempt chain.
type Progress struct {
	Module *content.Module
	// Attempt is the latest course attempt, nil if never started.
	Attempt *store.CourseAttempt
	Steps   []StepProgress
	Done    int
	// Met says the completion rule is met.
	Met bool
	// Completion is the latest attempt's completion, if it has one.
	Completion *store.Completion
	// PreAnswered and PostAnswered say whether the confidence checks were
	// answered or skipped in this chain.
	PreAnswered, PostAnswered bool
	// Support is the organisation's support resources, read in the same
	// transaction by a page that shows the support panel (OpenLesson), so
	// the panel costs no transaction of its own; SupportRead says it was.
	Support     []store.SupportResource
	SupportRead bool
}

// Total is the number of steps.
func (p Progress) Total() int { return len(p.Steps) }

// Percent is the share of steps done, 0–100.
func (p Progress) Percent() int {
	if len(p.Steps) == 0 {
		return 0
	}
	return p.Done * 100 / len(p.Steps)
}

// Started reports whether the learner has an attempt.
func (p Progress) Started() bool { return p.Attempt != nil }

// Complete reports whether the latest attempt is complete.
func (p Progress) Complete() bool { return p.Completion != nil }

// Next is the first step not done (1-based), or 0 when every step is done.
func (p Progress) Next() int {
	for i, sp := range p.Steps {
		if !sp.Done {
			return i + 1
		}
	}
	return 0
}

// Missing lists the steps still needed for completion.
func (p Progress) Missing() []StepProgress {
	var out []StepProgress
	for _, sp := range p.Steps {
		if !sp.Done {
			out = append(out, sp)
		}
	}
	return out
}

var outcomeRank = map[content.Outcome]int{content.Negative: 1, content.Mixed: 2, content.Positive: 3}

// evaluate applies the completion rule to a chain's events: a lesson counts
// once opened, a quiz once passed, a reflection once answered or skipped, a
// scenario once it reached an ending that the module's rule accepts. Only
// events for the step's current content (its fingerprint) count.
func evaluate(m *content.Module, events []store.StepEvent) ([]StepProgress, int, bool) {
	type key struct{ step, fp string }
	by := map[key][]store.StepEvent{}
	for _, e := range events {
		k := key{e.StepID, e.Fingerprint}
		by[k] = append(by[k], e)
	}
	out := make([]StepProgress, len(m.Steps))
	done := 0
	for i, st := range m.Steps {
		sp := StepProgress{Step: st, State: NotStarted}
		for _, e := range by[key{st.ID, Fingerprint(st)}] {
			switch e.Event {
			case store.EventOpened:
				sp.State, sp.Done = Opened, true
			case store.EventPassed:
				sp.State, sp.Done = Passed, true
			case store.EventFailed:
				if !sp.Done {
					sp.State = Failed
				}
			case store.EventAnswered:
				sp.State, sp.Done = Answered, true
			case store.EventSkipped:
				if sp.State != Answered {
					sp.State, sp.Done = Skipped, true
				}
			case store.EventFinished:
				o := content.Outcome(*e.Outcome)
				if outcomeRank[o] > outcomeRank[sp.Outcome] {
					sp.Outcome = o
				}
				sp.State = Finished
				if m.Completion.Counts(o) {
					sp.Done = true
				}
			}
		}
		if sp.Done {
			done++
		}
		out[i] = sp
	}
	return out, done, done == len(m.Steps)
}

// Course is the learner's progress through a module, without changing
// anything.
func (s *Service) Course(ctx context.Context, l org.Actor, moduleID string) (Progress, error) {
	m, err := s.module(ctx, l, moduleID)
	if err != nil {
		return Progress{}, err
	}
	_, p, err := s.latestProgress(ctx, l, m)
	if errors.Is(err, ErrNotStarted) {
		steps, _, _ := evaluate(m, nil)
		return Progress{Module: m, Steps: steps}, nil
	}
	return p, err
}

// progress evaluates an attempt's chain, reading in one transaction (or in
// the caller's).
func (s *Service) progress(ctx context.Context, l org.Actor, m *content.Module, a store.CourseAttempt) (Progress, error) {
	var r store.CourseRead
	r.Attempt = a
	err := inTx(ctx, l, func(l org.Actor) error {
		var err error
		if r.Events, err = l.Member().StepEvents(ctx, a.RootID); err != nil {
			return err
		}
		if a.Completed() {
			c, err := l.Member().CompletionOfAttempt(ctx, a.ID)
			if err != nil {
				return err
			}
			r.Completion = &c
		}
		r.Answers, err = l.Member().ConfidenceAnswers(ctx, a.RootID)
		return err
	})
	if err != nil {
		return Progress{}, err
	}
	return progressOf(m, r), nil
}

// progressOf evaluates a chain from what was read of it.
func progressOf(m *content.Module, r store.CourseRead) Progress {
	a := r.Attempt
	p := Progress{Module: m, Attempt: &a, Completion: r.Completion}
	p.Steps, p.Done, p.Met = evaluate(m, r.Events)
	// A module without statements has nothing to ask.
	p.PreAnswered, p.PostAnswered = len(m.Confidence) == 0, len(m.Confidence) == 0
	for _, ans := range r.Answers {
		switch ans.Phase {
		case store.PhasePre:
			p.PreAnswered = true
		case store.PhasePost:
			// A post check counts for the attempt it was given in: a
			// retake asks again.
			if ans.CourseAttemptID == a.ID {
				p.PostAnswered = true
			}
		}
	}
	return p
}

// Start opens (or continues) the learner's attempt at a module and returns
// the progress. A completed attempt is left as it is unless retake is set,
// which starts afresh (taking the course again, or a refresher).
func (s *Service) Start(ctx context.Context, l org.Actor, moduleID string, retake bool) (Progress, error) {
	m, err := s.module(ctx, l, moduleID)
	if err != nil {
		return Progress{}, err
	}
	mode := store.ContinueAttempt
	if retake {
		mode = store.RetakeAttempt
	}
	if err := s.recordVersions(ctx, l, m); err != nil {
		return Progress{}, err
	}
	var p Progress
	err = inTx(ctx, l, func(l org.Actor) error {
		a, err := s.openRecorded(ctx, l, m, mode)
		if err != nil {
			return err
		}
		p, err = s.progress(ctx, l, m, a)
		return err
	})
	return p, err
}

// OpenLesson records that the learner opened a lesson step and returns the
// progress including it.
func (s *Service) OpenLesson(ctx context.Context, l org.Actor, moduleID string, index int) (Progress, *content.Step, error) {
	m, st, err := s.stepOfKind(ctx, l, moduleID, index, content.LessonStep)
	if err != nil {
		return Progress{}, nil, err
	}
	if err := s.recordVersions(ctx, l, m); err != nil {
		return Progress{}, nil, err
	}
	var p Progress
	err = inTx(ctx, l, func(l org.Actor) error {
		// A lesson seen before in the attempt the learner works in: one
		// read, nothing to write.
		r, err := l.Member().ReadCourse(ctx, m.ID, store.CourseReadOptions{Support: true})
		if err == nil && resumable(r.Attempt, m) && opened(r, st) {
			p = progressOf(m, r)
			p.Support, p.SupportRead = r.Support, true
			return nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		// The first visit: the attempt (under the course lock, rolling
		// over to the served version if needed) and the "opened" event.
		a, err := s.openRecorded(ctx, l, m, store.ResumeAttempt)
		if err != nil {
			return err
		}
		if err := l.Member().AddStepEventOnce(ctx, s.event(l, a, st, store.EventOpened)); err != nil {
			return err
		}
		// Read again: a is now the latest attempt, with its event.
		if r, err = l.Member().ReadCourse(ctx, m.ID, store.CourseReadOptions{Support: true}); err != nil {
			return err
		}
		p = progressOf(m, r)
		p.Support, p.SupportRead = r.Support, true
		return nil
	})
	if err != nil {
		return Progress{}, nil, err
	}
	return p, st, nil
}

// resumable says the latest attempt is the one OpenCourseAttempt would
// give with store.ResumeAttempt, without starting a new one: a completed
// attempt, or an open one on the served version.
func resumable(a store.CourseAttempt, m *content.Module) bool {
	return a.Completed() || a.ModuleVersion == m.Version
}

// opened says the latest attempt has the "opened" event of the lesson
// step's current content, as AddStepEventOnce would find it.
func opened(r store.CourseRead, st *content.Step) bool {
	fp := Fingerprint(st)
	for _, e := range r.Events {
		if e.AttemptID == r.Attempt.ID && e.StepID == st.ID && e.Fingerprint == fp && e.Event == store.EventOpened {
			return true
		}
	}
	return false
}

// Status is a course's state for the learner, as the catalogue shows it.
type Status string

// Catalogue statuses. Until the coverage issue brings requirements, every
// course is optional; due soon and overdue come from the refresher period of
// a completed course.
const (
	StatusNotStarted Status = "Not started"
	StatusInProgress Status = "In progress"
	StatusComplete   Status = "Complete"
	StatusDueSoon    Status = "Refresher due soon"
	StatusOverdue    Status = "Refresher overdue"
)

// DueSoonWindow is how long before a completion expires it counts as due
// soon.
const DueSoonWindow = 30 * 24 * time.Hour

// Card is one course in the learner's catalogue.
type Card struct {
	Module   *content.Module
	Status   Status
	Done     int
	Total    int
	Percent  int
	Started  bool
	Complete bool
	// Latest is the learner's most recent completion, if any; ExpiresAt
	// on it says until when.
	Latest *store.Completion
}

// Catalogue lists every course with the learner's status, filtered by
// audience ("" for all; a module for "anyone" or with no audience matches
// every filter).
func (s *Service) Catalogue(ctx context.Context, l org.Actor, audience string) ([]Card, error) {
	var (
		attempts    []store.CourseAttempt
		completions []store.Completion
		events      map[uuid.UUID][]store.StepEvent
		cat         *content.Catalogue
	)
	err := inTx(ctx, l, func(l org.Actor) error {
		var err error
		if cat, err = s.Served(ctx, l); err != nil {
			return err
		}
		r, err := l.Member().ReadCatalogue(ctx)
		attempts, completions, events = r.Attempts, r.Completions, r.Events
		return err
	})
	if err != nil {
		return nil, err
	}
	byModule := map[string]store.CourseAttempt{}
	for _, a := range attempts {
		byModule[a.ModuleID] = a
	}
	latest := map[string]store.Completion{}
	for _, c := range completions {
		latest[c.ModuleID] = c
	}
	now := s.Now()
	var cards []Card
	for _, m := range cat.Modules {
		if !ForAudience(m, audience) {
			continue
		}
		card := Card{Module: m, Status: StatusNotStarted, Total: len(m.Steps)}
		a, started := byModule[m.ID]
		if started {
			card.Started = true
			card.Complete = a.Completed()
			_, card.Done, _ = evaluate(m, events[a.RootID])
		}
		if c, ok := latest[m.ID]; ok {
			card.Latest = &c
		}
		switch {
		case started && !a.Completed():
			card.Status = StatusInProgress
		case card.Latest != nil:
			card.Status = completionStatus(*card.Latest, now)
			card.Done = card.Total
		}
		if card.Total > 0 {
			card.Percent = card.Done * 100 / card.Total
		}
		cards = append(cards, card)
	}
	return cards, nil
}

// completionStatus says whether a completion is in date.
func completionStatus(c store.Completion, now time.Time) Status {
	switch {
	case c.ExpiresAt == nil || now.Add(DueSoonWindow).Before(*c.ExpiresAt):
		return StatusComplete
	case now.Before(*c.ExpiresAt):
		return StatusDueSoon
	default:
		return StatusOverdue
	}
}

// Audiences are the audience filters the catalogue offers.
var Audiences = []string{"line-manager", "responder"}

// ForAudience reports whether a module is meant for an audience.
func ForAudience(m *content.Module, audience string) bool {
	if audience == "" || len(m.Audience) == 0 {
		return true
	}
	for _, a := range m.Audience {
		if a == audience || a == "anyone" {
			return true
		}
	}
	return false
}
