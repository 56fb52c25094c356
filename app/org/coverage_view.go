package org

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// Filter narrows the coverage pages: one team, one label, one course (any
// may be empty), and which page of teams the dashboard shows.
type Filter struct {
	Team   *uuid.UUID
	Label  *uuid.UUID
	Module string
	// Page is the page of teams, from 1 (0 is the first).
	Page int
}

// TeamsPerPage is how many team rows a dashboard page of every course
// shows: an organisation of 20 required courses gets 200 bars a page, and
// one of 500 teams 50 pages (docs/coverage.md, "Large organisations").
// OneCourseTeamsPerPage is how many a page shows when one course is
// chosen, one bar each. RosterTeamsPerPage is the roster's, a row each.
const (
	TeamsPerPage          = 10
	OneCourseTeamsPerPage = 50
	RosterTeamsPerPage    = 20
)

// Cell is one team × course of the dashboard: how many of the team's
// people it applies to, and how many are in each status.
type Cell struct {
	TeamID   *uuid.UUID // nil: people in no team
	ModuleID string
	Total    int
	Counts   store.StatusCounts
}

// Percent is the share of the cell's people in a status, rounded down to
// a whole per cent (so the parts never add up to more than 100).
func (c Cell) Percent(status string) int {
	if c.Total == 0 {
		return 0
	}
	return c.Counts.Of(status) * 100 / c.Total
}

// TeamRow is one team's cells, in course order.
type TeamRow struct {
	TeamID *uuid.UUID
	Name   string
	Cells  []Cell
}

// Dashboard is coverage per team and required course for a scope.
type Dashboard struct {
	Scope Scope
	// Courses are the required courses shown, as ids and titles, in title
	// order.
	Courses []Course
	// Rows are the teams of this page, by name, then the people in no
	// team (on the last page).
	Rows []TeamRow
	// Totals are the same counts for everyone in the scope, per course.
	Totals []Cell
	// Page is the page shown (from 1) of Pages (at least 1), PerPage
	// rows a page; Teams is the number of rows on all pages together.
	Page, Pages, PerPage, Teams int
}

// Course is a required course's id and title.
type Course struct{ ID, Title string }

// Dashboard counts each team's people by status in each required course:
// the teams with anyone the filter applies to, a page at a time, and
// the totals of the whole scope.
func (c *Coverage) Dashboard(ctx context.Context, a Actor, f Filter) (Dashboard, error) {
	var d Dashboard
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		a := a
		a.Org = tx
		sc, err := c.ScopeOf(ctx, a)
		if err != nil {
			return err
		}
		d, err = c.dashboard(ctx, a, sc, f, nil)
		return err
	})
	return d, err
}

// dashboard is Dashboard for the scope sc (teams: the organisation's
// teams by name, when the caller has read them already).
func (c *Coverage) dashboard(ctx context.Context, a Actor, sc Scope, f Filter, teams []store.Group) (Dashboard, error) {
	q, err := c.query(ctx, a, sc)
	if err != nil {
		return Dashboard{}, err
	}
	cat, err := c.cats.Of(ctx, a.Org)
	if err != nil {
		return Dashboard{}, err
	}
	q.Label, q.Module = f.Label, f.Module
	d := Dashboard{Scope: sc}
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		if f.Team != nil {
			if _, err := c.teamIn(ctx, tx, sc, *f.Team); err != nil {
				return err
			}
		}
		withDuties, noTeam, err := tx.CoverageTeams(ctx, q)
		if err != nil {
			return err
		}
		if teams == nil {
			if teams, err = tx.GroupNames(ctx, store.Teams); err != nil { // by name
				return err
			}
		}
		has := map[uuid.UUID]bool{}
		for _, id := range withDuties {
			has[id] = true
		}
		var rows []TeamRow
		for _, t := range teams {
			if has[t.ID] && (f.Team == nil || *f.Team == t.ID) && (f.Team != nil || sc.Sees(t.ID)) {
				id := t.ID
				rows = append(rows, TeamRow{TeamID: &id, Name: t.Name})
			}
		}
		if noTeam && sc.Admin && f.Team == nil {
			rows = append(rows, TeamRow{Name: "In no team"})
		}
		d.Teams, d.PerPage = len(rows), TeamsPerPage
		if f.Module != "" {
			d.PerPage = OneCourseTeamsPerPage
		}
		d.Pages = max(1, (len(rows)+d.PerPage-1)/d.PerPage)
		d.Page = min(max(f.Page, 1), d.Pages)
		rows = rows[min((d.Page-1)*d.PerPage, len(rows)):min(d.Page*d.PerPage, len(rows))]

		var scope store.CountScope
		for _, r := range rows {
			if r.TeamID == nil {
				scope.NoTeam = true
			} else {
				scope.Teams = append(scope.Teams, *r.TeamID)
			}
		}
		// Totals count people, not team memberships: a person in two
		// teams is one person. The database keeps everyone's; a team's
		// are its row; a manager's several teams are counted here.
		everyone := sc.Admin && f.Team == nil
		scope.Everyone = everyone
		// A manager of one team: everyone shown is that team, whose
		// counts are read anyway. Of several teams: each person once,
		// from their duties (someone may be in two of them).
		oneTeam := !everyone && f.Team == nil && len(sc.Teams) == 1
		counts, err := tx.Coverage(ctx, q, scope)
		if err != nil {
			return err
		}
		type key struct {
			team   uuid.UUID
			module string
		}
		cells := make(map[key]*Cell, len(counts))
		totals := map[string]*Cell{}
		add := func(m map[string]*Cell, module string, n store.StatusCounts, people int) {
			t := m[module]
			if t == nil {
				t = &Cell{ModuleID: module}
				m[module] = t
			}
			t.Total += people
			for i, k := range n {
				t.Counts[i] += k
			}
		}
		for i := range counts {
			n := &counts[i]
			if n.Everyone {
				add(totals, n.ModuleID, n.Counts, n.People)
				continue
			}
			team := uuid.Nil
			if n.TeamID != nil {
				team = *n.TeamID
			}
			k := key{team, n.ModuleID}
			cell := cells[k]
			if cell == nil {
				cell = &Cell{TeamID: n.TeamID, ModuleID: n.ModuleID}
				cells[k] = cell
			}
			cell.Total += n.People
			for j, v := range n.Counts {
				cell.Counts[j] += v
			}
			if f.Team != nil || oneTeam {
				add(totals, n.ModuleID, n.Counts, n.People)
			}
		}
		if !everyone && f.Team == nil && !oneTeam {
			q.Teams = sc.Teams
			ds, err := tx.Duties(ctx, q, 0)
			if err != nil {
				return err
			}
			for _, du := range once(ds) {
				var one store.StatusCounts
				one.Add(du.Status, 1)
				add(totals, du.ModuleID, one, 1)
			}
		}
		for id := range totals {
			d.Courses = append(d.Courses, Course{id, course(cat, id)})
		}
		slices.SortFunc(d.Courses, func(x, y Course) int { return cmp.Or(cmp.Compare(x.Title, y.Title), cmp.Compare(x.ID, y.ID)) })
		for _, co := range d.Courses {
			d.Totals = append(d.Totals, *totals[co.ID])
		}
		for _, row := range rows {
			team := uuid.Nil
			if row.TeamID != nil {
				team = *row.TeamID
			}
			for _, co := range d.Courses {
				if cell := cells[key{team, co.ID}]; cell != nil {
					row.Cells = append(row.Cells, *cell)
				} else {
					row.Cells = append(row.Cells, Cell{TeamID: row.TeamID, ModuleID: co.ID})
				}
			}
			d.Rows = append(d.Rows, row)
		}
		return nil
	})
	if err != nil {
		return Dashboard{}, err
	}
	return d, nil
}

// totals are the duties of q, each person once whatever their teams.
func (c *Coverage) totals(ctx context.Context, a Actor, q store.CoverageQuery) ([]store.Duty, error) {
	ds, err := a.Org.Duties(ctx, q, 0)
	return once(ds), err
}

// once keeps each person's duty in each course once, whatever teams it
// was listed under.
func once(ds []store.Duty) []store.Duty {
	type key struct {
		person uuid.UUID
		module string
	}
	seen := map[key]bool{}
	out := ds[:0]
	for _, d := range ds {
		k := key{d.PersonID, d.ModuleID}
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	return out
}

// People lists the people of one cell (a team, or nil for the whole
// scope, and a course), optionally in one status: name, status and dates,
// never answers.
func (c *Coverage) People(ctx context.Context, a Actor, team *uuid.UUID, module, status string) ([]store.Duty, error) {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return nil, err
	}
	q, err := c.query(ctx, a, sc)
	if err != nil {
		return nil, err
	}
	if team != nil {
		if err := c.seeTeam(ctx, a, sc, *team); err != nil {
			return nil, err
		}
		q.Teams = []uuid.UUID{*team}
	}
	q.Module, q.Status = module, status
	return c.totals(ctx, a, q)
}

// Mine are the courses required of the acting person, with their status:
// for their own catalogue.
func (c *Coverage) Mine(ctx context.Context, a Actor) ([]store.Duty, error) {
	o, err := a.Org.Organisation(ctx)
	if err != nil {
		return nil, err
	}
	q, err := c.query(ctx, a, Scope{Admin: true, Org: o})
	if err != nil {
		return nil, err
	}
	me := a.PersonID
	q.Person = &me
	return c.totals(ctx, a, q)
}

// seeTeam is ErrNoCoverage unless the team is the organisation's and in
// the scope.
func (c *Coverage) seeTeam(ctx context.Context, a Actor, sc Scope, team uuid.UUID) error {
	_, err := c.teamIn(ctx, a.Org, sc, team)
	return err
}

// teamIn loads a team in the transaction o: ErrNoCoverage unless it is
// the organisation's and in the scope.
func (c *Coverage) teamIn(ctx context.Context, o *store.Org, sc Scope, team uuid.UUID) (store.Group, error) {
	if !sc.Sees(team) {
		return store.Group{}, ErrNoCoverage
	}
	g, err := o.Group(ctx, store.Teams, team)
	if errors.Is(err, store.ErrNotFound) {
		return store.Group{}, ErrNoCoverage
	}
	return g, err
}
