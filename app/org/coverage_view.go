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
// may be empty).
type Filter struct {
	Team   *uuid.UUID
	Label  *uuid.UUID
	Module string
}

// Cell is one team × course of the dashboard: how many of the team's
// people it applies to, and how many are in each status.
type Cell struct {
	TeamID   *uuid.UUID // nil: people in no team
	ModuleID string
	Total    int
	Counts   map[string]int // by status
}

// Percent is the share of the cell's people in a status, rounded down to
// a whole per cent (so the parts never add up to more than 100).
func (c Cell) Percent(status string) int {
	if c.Total == 0 {
		return 0
	}
	return c.Counts[status] * 100 / c.Total
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
	Rows    []TeamRow
	// Totals are the same counts for everyone in the scope, per course.
	Totals []Cell
}

// Course is a required course's id and title.
type Course struct{ ID, Title string }

// Dashboard counts each team's people by status in each required course.
func (c *Coverage) Dashboard(ctx context.Context, a Actor, f Filter) (Dashboard, error) {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return Dashboard{}, err
	}
	q, err := c.query(ctx, a, sc)
	if err != nil {
		return Dashboard{}, err
	}
	if f.Team != nil {
		if err := c.seeTeam(ctx, a, sc, *f.Team); err != nil {
			return Dashboard{}, err
		}
		q.Teams = []uuid.UUID{*f.Team}
	}
	q.Label, q.Module = f.Label, f.Module
	counts, err := a.Org.Coverage(ctx, q)
	if err != nil {
		return Dashboard{}, err
	}
	teams, err := a.Org.Groups(ctx, store.Teams)
	if err != nil {
		return Dashboard{}, err
	}
	cat, err := c.cats.Of(ctx, a.Org)
	if err != nil {
		return Dashboard{}, err
	}
	names := map[uuid.UUID]string{}
	for _, t := range teams {
		names[t.ID] = t.Name
	}

	d := Dashboard{Scope: sc}
	type key struct {
		team   uuid.UUID
		module string
	}
	cells := map[key]*Cell{}
	totals := map[string]*Cell{}
	rows := map[uuid.UUID]bool{}
	for _, n := range counts {
		team := uuid.Nil
		if n.TeamID != nil {
			team = *n.TeamID
		}
		k := key{team, n.ModuleID}
		if cells[k] == nil {
			cells[k] = &Cell{TeamID: n.TeamID, ModuleID: n.ModuleID, Counts: map[string]int{}}
		}
		cells[k].Total += n.People
		cells[k].Counts[n.Status] += n.People
		if totals[n.ModuleID] == nil {
			totals[n.ModuleID] = &Cell{ModuleID: n.ModuleID, Counts: map[string]int{}}
			d.Courses = append(d.Courses, Course{n.ModuleID, course(cat, n.ModuleID)})
		}
		rows[team] = true
	}
	slices.SortFunc(d.Courses, func(x, y Course) int { return cmp.Compare(x.Title, y.Title) })
	// Totals count people, not team memberships: a person in two teams is
	// one person.
	duties, err := c.totals(ctx, a, q)
	if err != nil {
		return Dashboard{}, err
	}
	for _, n := range duties {
		if t := totals[n.ModuleID]; t != nil {
			t.Total++
			t.Counts[n.Status]++
		}
	}
	for _, co := range d.Courses {
		d.Totals = append(d.Totals, *totals[co.ID])
	}
	var ids []uuid.UUID
	for id := range rows {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(x, y uuid.UUID) int {
		// Teams by name; people in no team last.
		switch {
		case x == uuid.Nil:
			return 1
		case y == uuid.Nil:
			return -1
		}
		return cmp.Or(cmp.Compare(names[x], names[y]), cmp.Compare(x.String(), y.String()))
	})
	for _, id := range ids {
		row := TeamRow{Name: names[id]}
		if id != uuid.Nil {
			team := id
			row.TeamID = &team
		} else {
			row.Name = "In no team"
		}
		for _, co := range d.Courses {
			if cell := cells[key{id, co.ID}]; cell != nil {
				row.Cells = append(row.Cells, *cell)
			} else {
				row.Cells = append(row.Cells, Cell{TeamID: row.TeamID, ModuleID: co.ID, Counts: map[string]int{}})
			}
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

// totals are the duties of q, each person once whatever their teams.
func (c *Coverage) totals(ctx context.Context, a Actor, q store.CoverageQuery) ([]store.Duty, error) {
	ds, err := a.Org.Duties(ctx, q, 0)
	if err != nil {
		return nil, err
	}
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
	return out, nil
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
	ds, err := c.totals(ctx, a, q)
	return ds, err
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
	if !sc.Sees(team) {
		return ErrNoCoverage
	}
	if _, err := a.Org.Group(ctx, store.Teams, team); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoCoverage
		}
		return err
	}
	return nil
}
