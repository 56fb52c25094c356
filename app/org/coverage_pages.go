package org

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
)

// What the coverage pages need beyond the dashboard's counts: the
// choices their forms offer, a cell's people, a team's members and
// managers, and the organisation's coverage settings.

// CourseChoice is a course of the organisation's catalogue, as the
// requirement form offers it.
type CourseChoice struct {
	ID, Title string
	// RefresherMonths is the course's own refresher period (0: none).
	RefresherMonths int
}

// Courses lists the courses the organisation's learners are served (the
// library and its own published courses), by title: what a requirement
// may name. Admins only.
func (c *Coverage) Courses(ctx context.Context, a Actor) ([]CourseChoice, error) {
	if err := c.requireAdmin(ctx, a); err != nil {
		return nil, err
	}
	cat, err := c.cats.Of(ctx, a.Org)
	if err != nil {
		return nil, err
	}
	out := make([]CourseChoice, 0, len(cat.Modules))
	for _, m := range cat.Modules {
		out = append(out, CourseChoice{ID: m.ID, Title: m.Title, RefresherMonths: m.RefresherMonths})
	}
	slices.SortFunc(out, func(x, y CourseChoice) int { return cmp.Or(cmp.Compare(x.Title, y.Title), cmp.Compare(x.ID, y.ID)) })
	return out, nil
}

// Requirement loads one of the organisation's requirements (admins only).
func (c *Coverage) Requirement(ctx context.Context, a Actor, id uuid.UUID) (store.Requirement, error) {
	if err := c.requireAdmin(ctx, a); err != nil {
		return store.Requirement{}, err
	}
	return a.Org.Requirement(ctx, id)
}

// Settings are an organisation's coverage settings.
type Settings struct {
	// DueSoonDays is the due-soon window.
	DueSoonDays int
	// ResponderLabel is the job label that makes someone a responder
	// (nil: none chosen).
	ResponderLabel *uuid.UUID
}

// Limits on the due-soon window (the database checks the same).
const (
	MinDueSoonDays = 1
	MaxDueSoonDays = 365
)

// SetSettings changes the due-soon window and the responder label
// (admins only), audited. A window outside 1–365 days or a label that is
// not the organisation's is an input error naming its field, and nothing
// changes.
func (c *Coverage) SetSettings(ctx context.Context, a Actor, s Settings) error {
	if err := c.requireAdmin(ctx, a); err != nil {
		return err
	}
	var problems []error
	if s.DueSoonDays < MinDueSoonDays || s.DueSoonDays > MaxDueSoonDays {
		problems = append(problems, fault.Input("due_soon_days", "Give the due-soon window as a whole number of days from 1 to 365."))
	}
	if s.ResponderLabel != nil {
		if _, err := a.Org.Group(ctx, store.Labels, *s.ResponderLabel); errors.Is(err, store.ErrNotFound) {
			problems = append(problems, fault.Input("responder_label", "Choose one of your organisation’s job labels, or none."))
		} else if err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.SetCoverageSettings(ctx, s.DueSoonDays, s.ResponderLabel); err != nil {
			return notFoundAs(err, "responder_label", "Choose one of your organisation’s job labels, or none.")
		}
		detail := map[string]any{"due_soon_days": s.DueSoonDays}
		if s.ResponderLabel != nil {
			label, err := tx.Group(ctx, store.Labels, *s.ResponderLabel)
			if err != nil {
				return err
			}
			detail["responder_label"] = label.Name
		}
		return Record(ctx, tx, a, CoverageSettings, nil, detail, c.now())
	})
}

// TeamPage is a team with its members, for the admin's team page.
type TeamPage struct {
	Team    store.Group
	Members []store.TeamMember
}

// Team loads a team and its members, managers marked (admins only).
func (c *Coverage) Team(ctx context.Context, a Actor, teamID uuid.UUID) (TeamPage, error) {
	if err := c.requireAdmin(ctx, a); err != nil {
		return TeamPage{}, err
	}
	var p TeamPage
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		if p.Team, err = tx.Group(ctx, store.Teams, teamID); err != nil {
			return err
		}
		p.Members, err = tx.TeamMembers(ctx, teamID)
		return err
	})
	return p, err
}

// Choices are what the dashboard's filter offers a scope: its teams, the
// labels of its people, and the courses required of them.
type Choices struct {
	Teams   []store.Group
	Labels  []store.Group
	Courses []Course
}

// choices are the filter's options for sc (teams: the organisation's
// teams by name, when the caller has read them already). A manager is offered their
// own teams, the labels someone in them holds, and the courses of the
// requirements that can apply to their people (for their teams, or for a
// label alone).
func (c *Coverage) choices(ctx context.Context, a Actor, sc Scope, teams []store.Group) (Choices, error) {
	var ch Choices
	var reqs []store.Requirement
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		if teams == nil {
			if teams, err = tx.GroupNames(ctx, store.Teams); err != nil {
				return err
			}
		}
		for _, t := range teams {
			if sc.Sees(t.ID) {
				ch.Teams = append(ch.Teams, t)
			}
		}
		if sc.Admin {
			ch.Labels, err = tx.GroupNames(ctx, store.Labels)
		} else {
			ch.Labels, err = tx.LabelsInTeams(ctx, sc.Teams)
		}
		if err != nil {
			return err
		}
		reqs, err = tx.Requirements(ctx)
		return err
	})
	if err != nil {
		return Choices{}, err
	}
	ch.Courses, err = c.requiredCourses(ctx, a, sc, reqs)
	return ch, err
}

// requiredCourses are the courses of reqs (the organisation's
// requirements; nil: read them) that can apply to someone in sc, by
// title: what the filters offer and the drill-downs accept.
func (c *Coverage) requiredCourses(ctx context.Context, a Actor, sc Scope, reqs []store.Requirement) ([]Course, error) {
	if reqs == nil {
		var err error
		if reqs, err = a.Org.Requirements(ctx); err != nil {
			return nil, err
		}
	}
	cat, err := c.cats.Of(ctx, a.Org)
	if err != nil {
		return nil, err
	}
	var out []Course
	seen := map[string]bool{}
	for _, r := range reqs {
		if seen[r.ModuleID] || (r.TeamID != nil && !sc.Sees(*r.TeamID)) {
			continue
		}
		seen[r.ModuleID] = true
		out = append(out, Course{r.ModuleID, course(cat, r.ModuleID)})
	}
	slices.SortFunc(out, func(x, y Course) int { return cmp.Or(cmp.Compare(x.Title, y.Title), cmp.Compare(x.ID, y.ID)) })
	return out, nil
}

// label is the label a scope may filter by, or ErrNoCoverage: an admin
// any of the organisation's, a manager one someone in their teams holds.
func (c *Coverage) label(ctx context.Context, a Actor, sc Scope, id uuid.UUID) (store.Group, error) {
	var labels []store.Group
	var err error
	if sc.Admin {
		var g store.Group
		g, err = a.Org.Group(ctx, store.Labels, id)
		labels = []store.Group{g}
	} else {
		labels, err = a.Org.LabelsInTeams(ctx, sc.Teams)
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.Group{}, ErrNoCoverage
	}
	if err != nil {
		return store.Group{}, err
	}
	for _, l := range labels {
		if l.ID == id {
			return l, nil
		}
	}
	return store.Group{}, ErrNoCoverage
}

// ListedPeople is how many people the dashboard's overdue and due-soon
// lists show: the longest overdue and the soonest due first. Everyone is
// in the drill-down of each course, a page at a time.
const ListedPeople = 25

// PeoplePerPage is how many people a drill-down page lists.
const PeoplePerPage = 100

// Overview is the dashboard page: the counts, the filter's choices, and
// the people who are overdue or due soon, ready to act on.
type Overview struct {
	Dashboard
	Choices Choices
	// Label is the label filtered by, if any.
	Label *store.Group
	// Overdue and DueSoon are the first ListedPeople people (each once per
	// course) in those statuses, in the filtered scope: the longest
	// overdue and the soonest due first. OverdueTotal and DueSoonTotal
	// count them all.
	Overdue, DueSoon           []store.Duty
	OverdueTotal, DueSoonTotal int
}

// Overview is the dashboard with what its page shows around it. A team,
// label or course outside the actor's scope is ErrNoCoverage.
func (c *Coverage) Overview(ctx context.Context, a Actor, f Filter) (Overview, error) {
	var o Overview
	// The lists of people overdue and due soon are read beside the rest
	// of the page, in a transaction of their own on another connection,
	// so PostgreSQL works on both at once: on two cores the page took
	// the sum of the two before. (Inside a caller's transaction they are
	// read in it, after the rest.) The two may see the database a moment
	// apart; a list's heading counts come with the figures.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type lists struct {
		overdue, dueSoon []store.Duty
		err              error
	}
	listed := make(chan lists, 1)
	beside := !a.Org.InTransaction()
	if beside {
		go func() {
			var l lists
			l.err = a.Org.InTx(ctx, func(tx *store.Org) error {
				a := a
				a.Org = tx
				var err error
				l.overdue, l.dueSoon, err = c.peopleLists(ctx, a, f)
				return err
			})
			listed <- l
		}()
	}
	// One transaction for the rest of the page's reads: fewer round
	// trips, and one readying of the coverage roll-up.
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		a := a
		a.Org = tx
		if o, err = c.overview(ctx, a, f); err != nil || beside {
			return err
		}
		o.Overdue, o.DueSoon, err = c.peopleLists(ctx, a, f)
		return err
	})
	if beside {
		if err != nil {
			cancel()
		}
		l := <-listed
		if err == nil {
			err = l.err
		}
		o.Overdue, o.DueSoon = l.overdue, l.dueSoon
	}
	if err != nil {
		return Overview{}, err
	}
	return o, nil
}

func (c *Coverage) overview(ctx context.Context, a Actor, f Filter) (Overview, error) {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return Overview{}, err
	}
	var o Overview
	if f.Label != nil {
		l, err := c.label(ctx, a, sc, *f.Label)
		if err != nil {
			return Overview{}, err
		}
		o.Label = &l
	}
	teams, err := a.Org.GroupNames(ctx, store.Teams)
	if err != nil {
		return Overview{}, err
	}
	if o.Dashboard, err = c.dashboard(ctx, a, sc, f, teams); err != nil {
		return Overview{}, err
	}
	if o.Choices, err = c.choices(ctx, a, sc, teams); err != nil {
		return Overview{}, err
	}
	for _, t := range o.Totals {
		o.OverdueTotal += t.Counts.Of(store.StatusOverdue)
		o.DueSoonTotal += t.Counts.Of(store.StatusDueSoon)
	}
	return o, nil
}

// peopleLists are the first few people overdue and due soon that the
// dashboard f shows, longest overdue and soonest due first.
func (c *Coverage) peopleLists(ctx context.Context, a Actor, f Filter) (overdue, dueSoon []store.Duty, err error) {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	if f.Team != nil && !sc.Sees(*f.Team) {
		return nil, nil, ErrNoCoverage
	}
	q, err := c.query(ctx, a, sc)
	if err != nil {
		return nil, nil, err
	}
	if f.Team != nil {
		q.Teams = []uuid.UUID{*f.Team}
	}
	q.Label, q.Module = f.Label, f.Module
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		lists := []struct {
			status string
			into   *[]store.Duty
		}{{store.StatusOverdue, &overdue}, {store.StatusDueSoon, &dueSoon}}
		if q.Teams != nil {
			// A team's few hundred: all of both lists in one read of
			// the team's duties, each person once, then the first.
			ds, err := tx.DutyList(ctx, q, store.DutyList{ByDate: true, Once: true, Statuses: []string{store.StatusOverdue, store.StatusDueSoon}})
			if err != nil {
				return err
			}
			for _, l := range lists {
				var in []store.Duty
				for _, d := range ds {
					if d.Status == l.status {
						in = append(in, d)
					}
				}
				in = once(in)
				*l.into = in[:min(len(in), ListedPeople)]
			}
			return nil
		}
		// Everyone's: the first few of each, from the index in date
		// order.
		for _, l := range lists {
			q.Status = l.status
			ds, err := tx.DutyList(ctx, q, store.DutyList{ByDate: true, Once: true, Limit: ListedPeople})
			if err != nil {
				return err
			}
			*l.into = once(ds)
		}
		return nil
	})
	return overdue, dueSoon, err
}

// CellQuery names a drill-down: a course, within one team (or the people
// in no team, admins only, or everyone in the scope), optionally one
// label, optionally one status, and a page of PeoplePerPage people (from
// 1; 0 is the first).
type CellQuery struct {
	Module string
	Team   *uuid.UUID
	NoTeam bool
	Label  *uuid.UUID
	Status string
	Page   int
}

// CellPeople is a drill-down: who of a cell is in which status, with
// their dates. Never answers, choices, reflections or confidence ratings.
type CellPeople struct {
	Scope  Scope
	Course Course
	Team   *store.Group
	NoTeam bool
	Label  *store.Group
	Status string
	// Total and Counts are over the whole cell, whatever Status.
	Total  int
	Counts store.StatusCounts
	// People are the cell's people in Status (all when empty), by name:
	// page Page of Pages.
	People      []store.Duty
	Page, Pages int
}

// Cell lists the people of one dashboard cell. A course neither served
// nor required, or a team, label or status outside the actor's scope, is
// ErrNoCoverage. The counts come from the database's roll-up; the people
// are read a page at a time.
func (c *Coverage) Cell(ctx context.Context, a Actor, cq CellQuery) (CellPeople, error) {
	var out CellPeople
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		a := a
		a.Org = tx
		out, err = c.cell(ctx, a, cq)
		return err
	})
	return out, err
}

func (c *Coverage) cell(ctx context.Context, a Actor, cq CellQuery) (CellPeople, error) {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return CellPeople{}, err
	}
	if cq.Status != "" && !slices.Contains(Statuses, cq.Status) {
		return CellPeople{}, ErrNoCoverage
	}
	out := CellPeople{Scope: sc, NoTeam: cq.NoTeam, Status: cq.Status}
	q, err := c.query(ctx, a, sc)
	if err != nil {
		return CellPeople{}, err
	}
	var scope store.CountScope
	switch {
	case cq.NoTeam && (!sc.Admin || cq.Team != nil):
		return CellPeople{}, ErrNoCoverage
	case cq.NoTeam:
		q.NoTeam = true
		scope.NoTeam = true
	case cq.Team != nil:
		team, err := c.teamIn(ctx, a.Org, sc, *cq.Team)
		if err != nil {
			return CellPeople{}, err
		}
		out.Team = &team
		q.Teams = []uuid.UUID{*cq.Team}
		scope.Teams = q.Teams
	case sc.Admin:
		scope.Everyone = true
	}
	if cq.Label != nil {
		l, err := c.label(ctx, a, sc, *cq.Label)
		if err != nil {
			return CellPeople{}, err
		}
		out.Label = &l
		q.Label = cq.Label
	}
	courses, err := c.requiredCourses(ctx, a, sc, nil)
	if err != nil {
		return CellPeople{}, err
	}
	i := slices.IndexFunc(courses, func(co Course) bool { return co.ID == cq.Module })
	if i < 0 {
		return CellPeople{}, ErrNoCoverage
	}
	out.Course = courses[i]
	q.Module = cq.Module
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		if scope.Teams == nil && !scope.NoTeam && !scope.Everyone {
			// A manager's teams together: few enough to read, each
			// person once.
			ds, err := tx.Duties(ctx, q, 0)
			if err != nil {
				return err
			}
			for _, d := range once(ds) {
				out.Total++
				out.Counts.Add(d.Status, 1)
				if cq.Status == "" || d.Status == cq.Status {
					out.People = append(out.People, d)
				}
			}
			out.Pages = max(1, (len(out.People)+PeoplePerPage-1)/PeoplePerPage)
			out.Page = min(max(cq.Page, 1), out.Pages)
			out.People = out.People[(out.Page-1)*PeoplePerPage : min(len(out.People), out.Page*PeoplePerPage)]
			return nil
		}
		counts, err := tx.Coverage(ctx, q, scope)
		if err != nil {
			return err
		}
		for _, n := range counts {
			out.Total += n.People
			for i, k := range n.Counts {
				out.Counts[i] += k
			}
		}
		listed := out.Total
		if cq.Status != "" {
			listed = out.Counts.Of(cq.Status)
		}
		out.Pages = max(1, (listed+PeoplePerPage-1)/PeoplePerPage)
		out.Page = min(max(cq.Page, 1), out.Pages)
		q.Status = cq.Status
		out.People, err = tx.DutyList(ctx, q, store.DutyList{Once: true, Limit: PeoplePerPage, Offset: (out.Page - 1) * PeoplePerPage})
		return err
	})
	if err != nil {
		return CellPeople{}, err
	}
	return out, nil
}
