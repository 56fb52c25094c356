// Package learning is the learner's side of Upstand: taking a module step by
// step, playing its scenarios, answering quizzes, confidence checks and
// reflections, and earning a completion and certificate when the module's
// completion rule is met. It knows nothing of HTTP; app/web turns requests
// into these calls, and app/store keeps the records.
//
// Every method acts for one org.Actor — the signed-in person — and every record
// it reads is scoped to that person in the store, so no one (an organisation
// admin included) can reach another person's choices, answers or notes
// through it.
//
// Records name the content version they were made against. A scenario
// attempt stays on the version it started on: when the scenario file has
// changed since, the old version is rebuilt from its canonical JSON in
// content_versions. A course attempt is tied to one module version; when the
// module changes, the learner's next action continues in a new attempt on the
// new version in the same chain, and progress on every step whose content is
// unchanged (same step id and fingerprint) carries over. The decisions are
// written down in docs/learning.md.
package learning

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// The service's errors are faults (app/fault): the web layer answers each
// by its kind, with its message. Bad input is a fault.Input naming the
// field.
var (
	// ErrNotFound covers an unknown module, step or record, and another
	// person's record alike.
	ErrNotFound error = fault.New(fault.NotFound, "There is nothing here: the course, step or record does not exist, or is not yours.")
	// ErrNotStarted means the step needs the course to be started first.
	// The web layer sends the learner to the course page for it.
	ErrNotStarted error = fault.New(fault.Conflict, "Start the course first.")
	// ErrStale means the page was out of date (another tab, a double
	// submit); nothing was changed.
	ErrStale error = fault.New(fault.Conflict, "This page was out of date; here is where you are now.")
	// ErrIncomplete means the completion rule is not met yet.
	ErrIncomplete error = fault.New(fault.Conflict, "The course is not complete yet.")
)

// Service is the learning service.
type Service struct {
	st   *store.Store
	cats *catalogue.Catalogues
	now  func() time.Time

	// pinned caches scenario versions rebuilt from content_versions, by
	// "id@version"; they never change once built.
	pinned sync.Map
	// recorded remembers module versions whose content (and scenarios) this
	// process has stored in content_versions, to write them once.
	recorded sync.Map

	events Events
}

// New builds the service over the catalogues being served: the library
// and each organisation's published content. now is the clock (time.Now in
// production).
func New(st *store.Store, cats *catalogue.Catalogues, now func() time.Time, opts ...Option) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{st: st, cats: cats, now: now, events: noEvents{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Content is the bundled library.
func (s *Service) Content() *content.Catalogue { return s.cats.Library() }

// Served is what the learner's organisation serves: the library and its
// own published content.
func (s *Service) Served(ctx context.Context, l org.Actor) (*content.Catalogue, error) {
	return s.cats.Of(ctx, l.Org)
}

// Now is the service's clock, truncated to what PostgreSQL stores, so a
// value written and read back compares equal.
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// module finds a module the learner's organisation serves.
func (s *Service) module(ctx context.Context, l org.Actor, id string) (*content.Module, error) {
	cat, err := s.Served(ctx, l)
	if err != nil {
		return nil, err
	}
	m, ok := cat.Module(id)
	if !ok {
		return nil, ErrNotFound
	}
	return m, nil
}

// step finds a module's step by its 1-based position.
func step(m *content.Module, index int) (*content.Step, error) {
	if index < 1 || index > len(m.Steps) {
		return nil, ErrNotFound
	}
	return m.Steps[index-1], nil
}

// stepOfKind finds a module's step of the given kind by its 1-based
// position; anything else is ErrNotFound.
func (s *Service) stepOfKind(ctx context.Context, l org.Actor, moduleID string, index int, kind content.StepKind) (*content.Module, *content.Step, error) {
	m, err := s.module(ctx, l, moduleID)
	if err != nil {
		return nil, nil, err
	}
	st, err := step(m, index)
	if err != nil || st.Kind != kind {
		return nil, nil, ErrNotFound
	}
	return m, st, nil
}

// inTx runs fn with the actor's store bound to one transaction, so the
// several reads (and writes) a page needs cost one BEGIN, set_config and
// COMMIT between them instead of one each; calls inside an inTx join it.
// fn may only call the store through l: a lookup on the Global surface
// would take a second pooled connection while this one is held.
func inTx(ctx context.Context, l org.Actor, fn func(l org.Actor) error) error {
	return l.Org.InTx(ctx, func(tx *store.Org) error {
		l.Org = tx
		return fn(l)
	})
}

// stepView finds a module's step of the given kind and, in one
// transaction, the learner's progress in the course and what load reads
// for that step (their attempts at a quiz, their notes on a reflection).
func (s *Service) stepView(ctx context.Context, l org.Actor, moduleID string, index int, kind content.StepKind,
	load func(l org.Actor, a store.CourseAttempt, st *content.Step, p Progress) error) error {
	m, st, err := s.stepOfKind(ctx, l, moduleID, index, kind)
	if err != nil {
		return err
	}
	return inTx(ctx, l, func(l org.Actor) error {
		a, p, err := s.latestProgress(ctx, l, m)
		if err != nil {
			return err
		}
		return load(l, a, st, p)
	})
}

// latestProgress is the learner's latest attempt at a module and their
// progress in its chain, read in one round trip (store.Member.ReadCourse);
// ErrNotStarted if they never started the course.
func (s *Service) latestProgress(ctx context.Context, l org.Actor, m *content.Module) (store.CourseAttempt, Progress, error) {
	r, err := l.Member().ReadCourse(ctx, m.ID, store.CourseReadOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return store.CourseAttempt{}, Progress{}, ErrNotStarted
	}
	if err != nil {
		return store.CourseAttempt{}, Progress{}, err
	}
	return r.Attempt, progressOf(m, r), nil
}

// notFound maps the store's ErrNotFound to ours.
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

// recordVersions stores the module's version and its scenarios' versions in
// content_versions (once per process), so attempts can name them.
//
// An organisation's own module (and its own scenarios) are stored as that
// organisation's, through l.
func (s *Service) recordVersions(ctx context.Context, l org.Actor, m *content.Module) error {
	key := m.ID + "@" + m.Version
	if _, ok := s.recorded.Load(key); ok {
		return nil
	}
	rows := []store.ContentVersion{catalogue.ModuleVersion(m)}
	for _, sc := range m.Scenarios() {
		rows = append(rows, catalogue.ScenarioVersion(sc))
	}
	var err error
	if m.Owner != "" {
		err = l.Org.RecordContentVersions(ctx, s.Now(), rows)
	} else {
		_, err = s.st.Global().RecordContentVersions(ctx, s.Now(), rows)
	}
	if err != nil {
		return err
	}
	s.recorded.Store(key, true)
	return nil
}

// openAttempt returns the course attempt the learner works in now (rolling
// over to the served module version if needed); with store.ResumeAttempt,
// ErrNotStarted if there is none.
func (s *Service) openAttempt(ctx context.Context, l org.Actor, m *content.Module, mode store.AttemptMode) (store.CourseAttempt, error) {
	if err := s.recordVersions(ctx, l, m); err != nil {
		return store.CourseAttempt{}, err
	}
	return s.openRecorded(ctx, l, m, mode)
}

// openRecorded is openAttempt once recordVersions has stored the module's
// versions: it calls the store only through l, so it can run inside inTx.
func (s *Service) openRecorded(ctx context.Context, l org.Actor, m *content.Module, mode store.AttemptMode) (store.CourseAttempt, error) {
	a, created, err := l.Member().OpenCourseAttempt(ctx, m.ID, m.Version, s.Now(), mode)
	if mode == store.ResumeAttempt && errors.Is(err, store.ErrNotFound) {
		return store.CourseAttempt{}, ErrNotStarted
	}
	if err == nil && created {
		s.events.AttemptStarted("course")
	}
	return a, err
}

// event builds a step event for the learner's attempt.
func (s *Service) event(l org.Actor, a store.CourseAttempt, st *content.Step, kind string) store.StepEvent {
	return store.StepEvent{AttemptID: a.ID, StepID: st.ID,
		Fingerprint: Fingerprint(st), Event: kind, At: s.Now()}
}
