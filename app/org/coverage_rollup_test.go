package org_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// query is the coverage query of the world's organisation at now, as the
// coverage service makes it, with the library's refresher periods (or
// months, when given).
func (w *world) query(t *testing.T, now time.Time, months map[string]int) store.CoverageQuery {
	t.Helper()
	o, err := w.s.Store.Org(w.org.ID).Organisation(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if months == nil {
		months = map[string]int{}
		for _, m := range w.cat.Modules {
			if m.RefresherMonths > 0 {
				months[m.ID] = m.RefresherMonths
			}
		}
	}
	return store.CoverageQuery{Now: now, DueSoon: time.Duration(o.DueSoonDays) * 24 * time.Hour, ModuleMonths: months}
}

// tally counts duties by course and status, each person once.
func tally(ds []store.Duty) map[string]map[string]int {
	out := map[string]map[string]int{}
	type key struct {
		person uuid.UUID
		module string
	}
	seen := map[key]bool{}
	for _, d := range ds {
		if k := (key{d.PersonID, d.ModuleID}); seen[k] {
			continue
		} else {
			seen[k] = true
		}
		if out[d.ModuleID] == nil {
			out[d.ModuleID] = map[string]int{}
		}
		out[d.ModuleID][d.Status]++
	}
	return out
}

// cellsOf are a dashboard's cells (or totals) as tallies.
func cellsOf(cells []org.Cell) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, c := range cells {
		for s, n := range c.Counts.All() {
			if n == 0 {
				continue
			}
			if out[c.ModuleID] == nil {
				out[c.ModuleID] = map[string]int{}
			}
			out[c.ModuleID][s] = n
		}
	}
	return out
}

func sameTally(a, b map[string]map[string]int) bool {
	return maps.EqualFunc(a, b, func(x, y map[string]int) bool { return maps.Equal(x, y) })
}

// verify checks what the database keeps against a computation from
// scratch (store.CoverageCheck), and the dashboard's counts — the kept
// counts corrected from their anchor to now — against the statuses of the
// duties they count, at several moments around the clock: once with the
// anchor left where it is (every read corrects across months), once with
// every read moving it.
func (w *world) verify(t *testing.T, what string) {
	t.Helper()
	base := w.clock.Now()
	defer func() {
		w.clock.Set(base)
		w.s.Store.SetCoverageAnchorDrift(0)
	}()
	st := w.s.Store.Org(w.org.ID)
	members, err := st.Memberships(w.ctx, store.Teams)
	if err != nil {
		t.Fatal(err)
	}
	for _, drift := range []time.Duration{100 * 365 * 24 * time.Hour, time.Nanosecond} {
		w.s.Store.SetCoverageAnchorDrift(drift)
		for _, now := range []time.Time{base, base.AddDate(0, 0, 20), base.AddDate(0, 0, -45), base.AddDate(0, 0, 200)} {
			w.clock.Set(now)
			at := fmt.Sprintf("%s, at %s, anchor drift %v", what, now.Format("2006-01-02"), drift)
			problems, err := st.CoverageCheck(w.ctx, w.query(t, now, nil))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("%s: %s", at, p)
			}
			everyone, err := w.s.Coverage.People(w.ctx, w.admin, nil, "", "")
			if err != nil {
				t.Fatal(err)
			}
			d, err := w.s.Coverage.Dashboard(w.ctx, w.admin, org.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := cellsOf(d.Totals), tally(everyone); !sameTally(got, want) {
				t.Errorf("%s: totals %v, want %v", at, got, want)
			}
			var noTeam []store.Duty
			teams := map[uuid.UUID]bool{}
			for _, du := range everyone {
				if len(members[du.PersonID]) == 0 {
					noTeam = append(noTeam, du)
				}
				for _, g := range members[du.PersonID] {
					teams[g.ID] = true
				}
			}
			rows := 0
			for _, row := range d.Rows {
				want := tally(noTeam)
				if row.TeamID != nil {
					ds, err := w.s.Coverage.People(w.ctx, w.admin, row.TeamID, "", "")
					if err != nil {
						t.Fatal(err)
					}
					want = tally(ds)
					rows++
				}
				if got := cellsOf(row.Cells); !sameTally(got, want) {
					t.Errorf("%s: %s: %v, want %v", at, row.Name, got, want)
				}
			}
			if rows != len(teams) {
				t.Errorf("%s: %d team rows, want %d", at, rows, len(teams))
			}
			// A label's dashboard counts its people only.
			for _, l := range w.labels {
				q := w.query(t, now, nil)
				q.Label = &l.ID
				ds, err := st.Duties(w.ctx, q, 0)
				if err != nil {
					t.Fatal(err)
				}
				d, err := w.s.Coverage.Dashboard(w.ctx, w.admin, org.Filter{Label: &l.ID})
				if err != nil {
					t.Fatal(err)
				}
				if got, want := cellsOf(d.Totals), tally(ds); !sameTally(got, want) {
					t.Errorf("%s: label %s: totals %v, want %v", at, l.Name, got, want)
				}
			}
		}
	}
}

// TestCoverageRollupFollowsEveryChange: after each kind of change that
// moves duties — memberships and joining dates, requirements added,
// changed and removed, people deactivated and back, courses started and
// completed, a course's own refresher period, the due-soon window, a team
// deleted — the duties, scopes and counts the database keeps equal a
// computation from scratch, and the dashboard equals the statuses it
// counts, at several moments.
func TestCoverageRollupFollowsEveryChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 300)
	ctx := w.ctx
	w.clock.Set(day(30))
	w.verify(t, "as built")
	// The roster the database keeps follows every change below too (until
	// the label is unset with the due-soon window).
	if err := w.s.Store.Org(w.org.ID).SetCoverageSettings(ctx, 30, &w.labels[0].ID); err != nil {
		t.Fatal(err)
	}
	w.verify(t, "a responder label chosen")
	// Responders need the course people complete below.
	if _, err := w.s.Coverage.AddRequirement(ctx, w.admin, org.RequirementInput{ModuleID: w.reqs[1].ModuleID, LabelID: &w.labels[0].ID, Refresher: store.RefresherMonths, Months: 1}); err != nil {
		t.Fatal(err)
	}
	w.verify(t, "a course required of responders")
	w.exec(t, "UPDATE people SET name = name || ' Renamed' WHERE org_id = ?", w.org.ID)
	w.verify(t, "everyone renamed")

	person := func(i int) store.Person { return w.people[i] }
	edit := func(p store.Person, teams, labels []uuid.UUID) {
		t.Helper()
		if err := w.s.Org.EditPerson(ctx, w.admin, p.ID, store.PersonDetails{Name: p.Name, Email: p.Email, Teams: teams, Labels: labels}); err != nil {
			t.Fatal(err)
		}
	}
	all := func(gs []store.Group) []uuid.UUID {
		var ids []uuid.UUID
		for _, g := range gs {
			ids = append(ids, g.ID)
		}
		return ids
	}
	edit(person(0), all(w.teams), nil)
	w.verify(t, "a person in every team, no label")
	edit(person(0), nil, all(w.labels))
	w.verify(t, "the same person in no team, every label")
	edit(person(1), nil, nil)
	w.verify(t, "a person in nothing")
	w.exec(t, "UPDATE team_members SET joined_at = joined_at - interval '40 days'")
	w.verify(t, "joining dates moved")

	m := w.cat.Modules[3]
	req, err := w.s.Coverage.AddRequirement(ctx, w.admin, org.RequirementInput{ModuleID: m.ID, LabelID: &w.labels[0].ID, Refresher: store.RefresherModule})
	if err != nil {
		t.Fatal(err)
	}
	w.verify(t, "a requirement added")
	if err := w.s.Coverage.ChangeRequirement(ctx, w.admin, req.ID, org.RequirementInput{ModuleID: m.ID, TeamID: &w.teams[1].ID, LabelID: &w.labels[0].ID,
		Refresher: store.RefresherMonths, Months: 2, Strict: true, DueDays: 5}); err != nil {
		t.Fatal(err)
	}
	w.verify(t, "a requirement changed")
	if err := w.s.Coverage.RemoveRequirement(ctx, w.admin, w.reqs[0].ID); err != nil {
		t.Fatal(err)
	}
	w.verify(t, "a requirement removed")

	for _, p := range w.people[2:5] {
		if err := w.s.Org.SetActive(ctx, w.admin, p.ID, !w.inactive[p.ID]); err != nil {
			t.Fatal(err)
		}
	}
	w.verify(t, "people deactivated and reactivated")

	// Real attempts and completions, written by the learning service,
	// for everyone active in a required course.
	required := w.reqs[1].ModuleID
	for i, p := range w.people {
		if w.inactive[p.ID] || i%2 == 1 {
			continue
		}
		fixture.Play(t, w.s.Learning, org.ActorFor(w.s.Store, p, ""), required, fixture.Plan{Finish: i%4 == 0})
	}
	w.verify(t, "courses started and completed")

	// The course's own refresher period, as the catalogue says, changes
	// the duties of requirements that refresh as the course says.
	if _, err := w.s.Coverage.AddRequirement(ctx, w.admin, org.RequirementInput{ModuleID: required, LabelID: &w.labels[1].ID, Refresher: store.RefresherModule}); err != nil {
		t.Fatal(err)
	}
	w.verify(t, "a requirement refreshed as the course says")
	q := w.query(t, w.clock.Now(), nil)
	q.ModuleMonths = maps.Clone(q.ModuleMonths)
	q.ModuleMonths[required] = 1
	if problems, err := w.s.Store.Org(w.org.ID).CoverageCheck(ctx, q); err != nil || len(problems) > 0 {
		t.Errorf("a course's own refresher period changed: %v %v", problems, err)
	}
	q.Module = required
	ds, err := w.s.Store.Org(w.org.ID).Duties(ctx, q, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ds, func(d store.Duty) bool { return d.Months != nil && *d.Months == 1 }) {
		t.Errorf("no duty in %s is refreshed monthly after the course's own period became a month", required)
	}
	w.verify(t, "the course's period as the catalogue says again")

	if err := w.s.Store.Org(w.org.ID).SetCoverageSettings(ctx, 7, nil); err != nil {
		t.Fatal(err)
	}
	w.verify(t, "the due-soon window changed")

	if err := w.s.Org.DeleteGroup(ctx, w.admin, store.Teams, w.teams[2].ID); err != nil {
		t.Fatal(err)
	}
	w.teams = slices.Delete(w.teams, 2, 3)
	w.verify(t, "a team deleted")
}
