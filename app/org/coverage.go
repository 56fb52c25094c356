package org

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
)

// Coverage is what an organisation sees of its people's training: which
// courses are required of whom (requirements), each person's status in
// each, counted by team and course, the responder roster, the trend and
// the evaluation — for org admins (the whole organisation) and team
// managers (their teams, statuses and dates only). docs/coverage.md.
type Coverage struct {
	st   *store.Store
	cats *catalogue.Catalogues
	now  func() time.Time
	log  *slog.Logger

	// Large organisations' snapshots (snapshot.go).
	snapRows   int
	snapAge    time.Duration
	refreshing sync.Map // the snapshots this server is refreshing
}

// NewCoverage builds the coverage service over the catalogues the
// organisation's learners are served.
func NewCoverage(st *store.Store, cats *catalogue.Catalogues, now func() time.Time, opts ...CoverageOption) *Coverage {
	c := &Coverage{st: st, cats: cats, now: now, log: slog.New(slog.DiscardHandler),
		snapRows: SnapshotRows, snapAge: SnapshotMaxAge}
	for _, o := range opts {
		o(c)
	}
	return c
}

// The statuses of a person in a required course, in the order a dashboard
// shows them.
var Statuses = []string{store.StatusComplete, store.StatusDueSoon, store.StatusInProgress,
	store.StatusNotStarted, store.StatusOverdue, store.StatusExpired}

// StatusWords are the statuses as people read them.
var StatusWords = map[string]string{
	store.StatusNotStarted: "Not started",
	store.StatusInProgress: "In progress",
	store.StatusComplete:   "Complete",
	store.StatusDueSoon:    "Due soon",
	store.StatusOverdue:    "Overdue",
	store.StatusExpired:    "Expired",
}

// AddMonths adds months as PostgreSQL adds an interval of months: the day
// is kept, or made the month's last day when the month is shorter (31
// January + 1 month is 28 or 29 February). Go's AddDate would roll over
// into March instead. Coverage's dates use this rule everywhere.
func AddMonths(t time.Time, months int) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// Terms are what a person owes in one course: the strictest terms of the
// requirements that apply to them.
type Terms struct {
	DueAt  time.Time
	Months int // refresher period; 0: never
	Strict bool
}

// Progress is where a person stands in a course.
type Progress struct {
	StartedAt *time.Time
	// DoneAt is the latest completion that counts (for strict terms, the
	// latest with every scenario finished at least mixed).
	DoneAt *time.Time
}

// StatusOf is a person's status in a required course at now, with the
// organisation's due-soon window. It is the rule the store's SQL computes
// (store.Org.Coverage), kept here in Go as its specification, and tested
// against it.
//
//   - A completion that counts, with no refresher: complete.
//   - With a refresher: expired once DoneAt + Months has passed, due soon
//     within the window before that, complete until then.
//   - No completion: overdue once the due date has passed, due soon within
//     the window before it, otherwise in progress if started, or not
//     started.
func StatusOf(t Terms, p Progress, now time.Time, soon time.Duration) string {
	if p.DoneAt != nil {
		if t.Months > 0 {
			exp := AddMonths(*p.DoneAt, t.Months)
			switch {
			case !exp.After(now):
				return store.StatusExpired
			case !exp.After(now.Add(soon)):
				return store.StatusDueSoon
			}
		}
		return store.StatusComplete
	}
	switch {
	case !t.DueAt.After(now):
		return store.StatusOverdue
	case !t.DueAt.After(now.Add(soon)):
		return store.StatusDueSoon
	case p.StartedAt != nil:
		return store.StatusInProgress
	}
	return store.StatusNotStarted
}

// ErrNoCoverage is what someone who is neither an org admin nor a team's
// manager gets: as if the pages did not exist.
var ErrNoCoverage = fault.New(fault.NotFound, "There is no such page.")

// Scope is what an actor may see of coverage: everything (an org admin),
// or their teams (a manager).
type Scope struct {
	Admin bool
	// Teams are the teams a manager manages; nil for an admin.
	Teams []uuid.UUID
	Org   store.Organisation
}

// Sees reports whether the scope covers a team.
func (s Scope) Sees(team uuid.UUID) bool { return s.Admin || slices.Contains(s.Teams, team) }

// ScopeOf is what a may see, or ErrNoCoverage.
func (c *Coverage) ScopeOf(ctx context.Context, a Actor) (Scope, error) {
	v, err := a.Org.CoverageViewer(ctx, a.PersonID)
	if err != nil {
		return Scope{}, err
	}
	sc := Scope{Org: v.Org}
	switch {
	case a.PersonID == uuid.Nil: // the operator
		sc.Admin = true
	case !v.Found || !v.Active:
		return Scope{}, ErrNoCoverage
	case v.IsOrgAdmin:
		sc.Admin = true
	default:
		sc.Teams = v.Manages
	}
	if !sc.Admin && len(sc.Teams) == 0 {
		return Scope{}, ErrNoCoverage
	}
	return sc, nil
}

// RequirementInput is a requirement as an org admin states it.
type RequirementInput struct {
	ModuleID string
	TeamID   *uuid.UUID
	LabelID  *uuid.UUID
	DueDays  int // 0: 30
	// Refresher is store.RefresherModule, RefresherMonths (with Months)
	// or RefresherNever.
	Refresher     string
	Months        int
	FirstDeadline *time.Time
	Strict        bool
}

// Limits on a requirement's terms.
const (
	MaxDueDays         = 3650
	MaxRefresherMonths = 120
)

// requireAdmin is ErrNoCoverage unless a is an org admin.
func (c *Coverage) requireAdmin(ctx context.Context, a Actor) error {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return err
	}
	if !sc.Admin {
		return ErrNoCoverage
	}
	return nil
}

// check validates in against the organisation's catalogue, teams and
// labels and the limits. Every problem is reported, each naming its
// field (errors.Join of fault.Input errors: fault.As finds the first,
// InputErrors lists them all), so a form can show them all at once;
// nothing is stored unless there is none.
func (c *Coverage) check(ctx context.Context, a Actor, in RequirementInput) (store.Requirement, error) {
	cat, err := c.cats.Of(ctx, a.Org)
	if err != nil {
		return store.Requirement{}, err
	}
	var problems []error
	if _, ok := cat.Module(in.ModuleID); !ok {
		problems = append(problems, fault.Input("module", "Choose one of your organisation’s courses."))
	}
	if in.TeamID == nil && in.LabelID == nil {
		problems = append(problems, fault.Input("team", "Choose a team, a job label, or both."))
	}
	for _, g := range []struct {
		k     store.GroupKind
		id    *uuid.UUID
		field string
	}{{store.Teams, in.TeamID, "team"}, {store.Labels, in.LabelID, "label"}} {
		if g.id == nil {
			continue
		}
		if _, err := a.Org.Group(ctx, g.k, *g.id); errors.Is(err, store.ErrNotFound) {
			problems = append(problems, fault.Input(g.field, "Choose one of your organisation’s "+g.k.Noun+"s."))
		} else if err != nil {
			return store.Requirement{}, err
		}
	}
	if in.DueDays == 0 {
		in.DueDays = 30
	}
	if in.DueDays < 1 || in.DueDays > MaxDueDays {
		problems = append(problems, fault.Input("due_days", DueDaysProblem))
	}
	r := store.Requirement{ModuleID: in.ModuleID, TeamID: in.TeamID, LabelID: in.LabelID, DueDays: in.DueDays,
		Refresher: in.Refresher, Strict: in.Strict, EffectiveFrom: c.now().UTC()}
	switch in.Refresher {
	case store.RefresherModule, store.RefresherNever:
	case store.RefresherMonths:
		if in.Months < 1 || in.Months > MaxRefresherMonths {
			problems = append(problems, fault.Input("months", MonthsProblem))
		}
		months := in.Months
		r.RefresherMonths = &months
	default:
		problems = append(problems, fault.Input("refresher", "Choose how often the course is refreshed."))
	}
	if in.FirstDeadline != nil {
		if !in.FirstDeadline.After(c.now()) {
			problems = append(problems, fault.Input("first_deadline", "The first deadline must be a date after today."))
		}
		d := in.FirstDeadline.UTC()
		r.FirstDeadline = &d
	}
	if len(problems) > 0 {
		return store.Requirement{}, errors.Join(problems...)
	}
	return r, nil
}

// What is wrong with a requirement's days to complete or refresher months,
// as check says it (and a form that refuses a value before it gets here).
var (
	DueDaysProblem = fmt.Sprintf("Give the days to complete as a whole number from 1 to %d.", MaxDueDays)
	MonthsProblem  = fmt.Sprintf("Give the refresher period as a whole number of months from 1 to %d, or choose “never”.", MaxRefresherMonths)
)

// InputErrors lists every fault.Invalid in err (which may join several),
// in order; none when err is not about input.
func InputErrors(err error) []*fault.Error {
	var out []*fault.Error
	var walk func(error)
	walk = func(e error) {
		if f, ok := e.(*fault.Error); ok {
			if f.Kind == fault.Invalid {
				out = append(out, f)
			}
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			if x := u.Unwrap(); x != nil {
				walk(x)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// notFoundAs maps the store's ErrNotFound (a team or label of another
// organisation, or none) to an input error on field.
func notFoundAs(err error, field, msg string) error {
	if errors.Is(err, store.ErrNotFound) {
		return fault.Input(field, msg)
	}
	return err
}

// Requirements lists the organisation's requirements (admins only).
func (c *Coverage) Requirements(ctx context.Context, a Actor) ([]store.Requirement, error) {
	if err := c.requireAdmin(ctx, a); err != nil {
		return nil, err
	}
	return a.Org.Requirements(ctx)
}

// AddRequirement states a new requirement, audited. It applies from now:
// people already in the team are due DueDays from today (or by the first
// deadline).
func (c *Coverage) AddRequirement(ctx context.Context, a Actor, in RequirementInput) (store.Requirement, error) {
	if err := c.requireAdmin(ctx, a); err != nil {
		return store.Requirement{}, err
	}
	r, err := c.check(ctx, a, in)
	if err != nil {
		return store.Requirement{}, err
	}
	r.CreatedAt = r.EffectiveFrom
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		if r, err = tx.CreateRequirement(ctx, r); err != nil {
			return notFoundAs(err, "team", "Choose one of your organisation’s teams and labels.")
		}
		return Record(ctx, tx, a, RequirementAdd, nil, map[string]any{"requirement": requirementDetail(r)}, c.now())
	})
	return r, err
}

// ChangeRequirement replaces a requirement's terms, audited. The change
// applies from now on (its due dates run from today at the earliest);
// completions already made are never changed.
func (c *Coverage) ChangeRequirement(ctx context.Context, a Actor, id uuid.UUID, in RequirementInput) error {
	if err := c.requireAdmin(ctx, a); err != nil {
		return err
	}
	r, err := c.check(ctx, a, in)
	if err != nil {
		return err
	}
	r.ID = id
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		if _, err := tx.Requirement(ctx, id); err != nil {
			return err
		}
		if err := tx.UpdateRequirement(ctx, r); err != nil {
			return notFoundAs(err, "team", "Choose one of your organisation’s teams and labels.")
		}
		return Record(ctx, tx, a, RequirementChange, nil, map[string]any{"requirement": requirementDetail(r)}, c.now())
	})
}

// RemoveRequirement drops a requirement, audited.
func (c *Coverage) RemoveRequirement(ctx context.Context, a Actor, id uuid.UUID) error {
	if err := c.requireAdmin(ctx, a); err != nil {
		return err
	}
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		r, err := tx.Requirement(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteRequirement(ctx, id); err != nil {
			return err
		}
		return Record(ctx, tx, a, RequirementRemove, nil, map[string]any{"requirement": requirementDetail(r)}, c.now())
	})
}

// SetManager makes a member of a team its manager or not (admins only),
// audited against the person.
func (c *Coverage) SetManager(ctx context.Context, a Actor, teamID, personID uuid.UUID, on bool) error {
	if err := c.requireAdmin(ctx, a); err != nil {
		return err
	}
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		team, err := tx.Group(ctx, store.Teams, teamID)
		if err != nil {
			return err
		}
		if err := tx.SetManager(ctx, teamID, personID, on); err != nil {
			return err
		}
		what := "made manager of " + team.Name
		if !on {
			what = "no longer manager of " + team.Name
		}
		return Record(ctx, tx, a, TeamManager, &personID, map[string]any{"change": what}, c.now())
	})
}

// requirementDetail describes a requirement for the audit log.
func requirementDetail(r store.Requirement) string {
	d := fmt.Sprintf("%s: due in %d days", r.ModuleID, r.DueDays)
	switch r.Refresher {
	case store.RefresherMonths:
		d += fmt.Sprintf(", refreshed every %d months", *r.RefresherMonths)
	case store.RefresherNever:
		d += ", never refreshed"
	default:
		d += ", refreshed as the course says"
	}
	if r.FirstDeadline != nil {
		d += ", first deadline " + r.FirstDeadline.Format("2 Jan 2006")
	}
	if r.Strict {
		d += ", every scenario at least mixed"
	}
	return d
}

// query is the coverage query for a scope at now.
func (c *Coverage) query(ctx context.Context, a Actor, sc Scope) (store.CoverageQuery, error) {
	cat, err := c.cats.Of(ctx, a.Org)
	if err != nil {
		return store.CoverageQuery{}, err
	}
	months := map[string]int{}
	for _, m := range cat.Modules {
		if m.RefresherMonths > 0 {
			months[m.ID] = m.RefresherMonths
		}
	}
	q := store.CoverageQuery{Now: c.now().UTC(), DueSoon: time.Duration(sc.Org.DueSoonDays) * 24 * time.Hour, ModuleMonths: months}
	if !sc.Admin {
		q.Teams = sc.Teams
	}
	return q, nil
}

// course is the title of a course in the organisation's catalogue (its id
// when it is no longer served).
func course(cat *content.Catalogue, id string) string {
	if m, ok := cat.Module(id); ok {
		return m.Title
	}
	return id
}
