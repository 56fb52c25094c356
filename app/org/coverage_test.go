package org_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

func day(n int) time.Time { return time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, n) }

func at(t time.Time) *time.Time { return &t }

// TestStatusOf: the status rule, case by case (StatusOf is what the
// dashboard's SQL is tested against).
func TestStatusOf(t *testing.T) {
	const soon = 30 * 24 * time.Hour
	now := day(100)
	for _, c := range []struct {
		name string
		t    org.Terms
		p    org.Progress
		want string
	}{
		{"due far ahead, not started", org.Terms{DueAt: day(200)}, org.Progress{}, store.StatusNotStarted},
		{"due far ahead, started", org.Terms{DueAt: day(200)}, org.Progress{StartedAt: at(day(90))}, store.StatusInProgress},
		{"due in 30 days exactly: due soon", org.Terms{DueAt: day(130)}, org.Progress{}, store.StatusDueSoon},
		{"due in 31 days", org.Terms{DueAt: day(131)}, org.Progress{StartedAt: at(day(90))}, store.StatusInProgress},
		{"due soon beats in progress", org.Terms{DueAt: day(110)}, org.Progress{StartedAt: at(day(90))}, store.StatusDueSoon},
		{"due today: overdue", org.Terms{DueAt: day(100)}, org.Progress{}, store.StatusOverdue},
		{"due yesterday, started", org.Terms{DueAt: day(99)}, org.Progress{StartedAt: at(day(50))}, store.StatusOverdue},
		{"complete, never refreshed", org.Terms{DueAt: day(10)}, org.Progress{DoneAt: at(day(-1000))}, store.StatusComplete},
		{"complete, refresher far off", org.Terms{DueAt: day(10), Months: 12}, org.Progress{DoneAt: at(day(50))}, store.StatusComplete},
		{"refresher falls due within 30 days", org.Terms{DueAt: day(10), Months: 3}, org.Progress{DoneAt: at(day(20))}, store.StatusDueSoon},
		{"refresher passed: expired", org.Terms{DueAt: day(10), Months: 3}, org.Progress{DoneAt: at(day(5))}, store.StatusExpired},
		{"expired even if started again", org.Terms{DueAt: day(10), Months: 1}, org.Progress{DoneAt: at(day(5)), StartedAt: at(day(99))}, store.StatusExpired},
		{"a completion before the due date is complete", org.Terms{DueAt: day(300)}, org.Progress{DoneAt: at(day(1))}, store.StatusComplete},
	} {
		if got := org.StatusOf(c.t, c.p, now, soon); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// TestAddMonths: months are added as PostgreSQL adds them.
func TestAddMonths(t *testing.T) {
	for _, c := range []struct {
		from   time.Time
		months int
		want   time.Time
	}{
		{time.Date(2026, 1, 31, 8, 0, 0, 0, time.UTC), 1, time.Date(2026, 2, 28, 8, 0, 0, 0, time.UTC)},
		{time.Date(2028, 1, 31, 8, 0, 0, 0, time.UTC), 1, time.Date(2028, 2, 29, 8, 0, 0, 0, time.UTC)},
		{time.Date(2026, 3, 31, 8, 0, 0, 0, time.UTC), 12, time.Date(2027, 3, 31, 8, 0, 0, 0, time.UTC)},
		{time.Date(2026, 8, 31, 8, 0, 0, 0, time.UTC), 6, time.Date(2027, 2, 28, 8, 0, 0, 0, time.UTC)},
		{time.Date(2026, 5, 15, 8, 0, 0, 0, time.UTC), 24, time.Date(2028, 5, 15, 8, 0, 0, 0, time.UTC)},
	} {
		if got := org.AddMonths(c.from, c.months); !got.Equal(c.want) {
			t.Errorf("%v + %d months = %v, want %v", c.from, c.months, got, c.want)
		}
	}
}

// world is a small random organisation: people in teams and labels with
// join dates, requirements, and progress in courses.
type world struct {
	ctx    context.Context
	s      fixture.Services
	owner  *bun.DB
	org    store.Organisation
	admin  org.Actor
	clock  *fixture.Clock
	cat    *content.Catalogue
	people []store.Person
	teams  []store.Group
	labels []store.Group
	// joined[kind][group][person] is when the person joined.
	joined   map[string]map[uuid.UUID]map[uuid.UUID]time.Time
	reqs     []store.Requirement
	progress map[uuid.UUID]map[string]lc
	inactive map[uuid.UUID]bool
}

type lc struct{ started, done, strict *time.Time }

func (w *world) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	err := w.owner.RunInTx(w.ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('upstand.org_id', ?, true)", w.org.ID.String()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, sql, args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func newWorld(t *testing.T, seed uint64) *world {
	t.Helper()
	ctx := context.Background()
	app, owner := dbtest.NewWithAdmin(t)
	st := store.New(app)
	cat, err := content.Load(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	clock := fixture.NewClock(day(0))
	s := fixture.NewServices(st, cat, clock.Now)
	o, boss, _, err := s.Org.CreateOrganisation(ctx, fmt.Sprintf("Seed %d Trust", seed), "Ada Admin", "ada@seed.example")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{ctx: ctx, s: s, owner: owner, org: o, admin: org.ActorFor(st, boss, ""), clock: clock, cat: cat,
		joined:   map[string]map[uuid.UUID]map[uuid.UUID]time.Time{"team": {}, "label": {}},
		progress: map[uuid.UUID]map[string]lc{}, inactive: map[uuid.UUID]bool{}}
	r := rand.New(rand.NewPCG(seed, 7))
	for i := range 3 {
		g, err := s.Org.CreateGroup(ctx, w.admin, store.Teams, fmt.Sprintf("Team %d", i))
		if err != nil {
			t.Fatal(err)
		}
		w.teams = append(w.teams, g)
		w.joined["team"][g.ID] = map[uuid.UUID]time.Time{}
	}
	for i := range 2 {
		g, err := s.Org.CreateGroup(ctx, w.admin, store.Labels, fmt.Sprintf("Label %d", i))
		if err != nil {
			t.Fatal(err)
		}
		w.labels = append(w.labels, g)
		w.joined["label"][g.ID] = map[uuid.UUID]time.Time{}
	}
	// The requirements take effect on day 0, with random terms.
	modules := cat.Modules[:3]
	for range 4 {
		in := org.RequirementInput{ModuleID: modules[r.IntN(len(modules))].ID, DueDays: 1 + r.IntN(60),
			Refresher: []string{store.RefresherModule, store.RefresherMonths, store.RefresherNever}[r.IntN(3)],
			Months:    1 + r.IntN(12), Strict: r.IntN(3) == 0}
		switch r.IntN(3) {
		case 0:
			in.TeamID = &w.teams[r.IntN(3)].ID
		case 1:
			in.LabelID = &w.labels[r.IntN(2)].ID
		default:
			in.TeamID, in.LabelID = &w.teams[r.IntN(3)].ID, &w.labels[r.IntN(2)].ID
		}
		if r.IntN(4) == 0 {
			in.FirstDeadline = at(day(10 + r.IntN(40)))
		}
		req, err := s.Coverage.AddRequirement(ctx, w.admin, in)
		if err != nil {
			t.Fatal(err)
		}
		w.reqs = append(w.reqs, req)
	}
	for i := range 12 {
		var teams, labels []uuid.UUID
		for _, g := range w.teams {
			if r.IntN(3) == 0 {
				teams = append(teams, g.ID)
			}
		}
		for _, g := range w.labels {
			if r.IntN(2) == 0 {
				labels = append(labels, g.ID)
			}
		}
		p, _, err := s.Org.Invite(ctx, w.admin, store.PersonDetails{Name: fmt.Sprintf("Person %02d", i),
			Email: fmt.Sprintf("p%d@seed.example", i), Teams: teams, Labels: labels})
		if err != nil {
			t.Fatal(err)
		}
		w.people = append(w.people, p)
		for kind, ids := range map[string][]uuid.UUID{"team": teams, "label": labels} {
			for _, g := range ids {
				j := day(-100 + r.IntN(250)) // some before the requirements, some after
				w.joined[kind][g][p.ID] = j
				table, col := "team_members", "team_id"
				if kind == "label" {
					table, col = "person_labels", "label_id"
				}
				w.exec(t, "UPDATE "+table+" SET joined_at = ? WHERE "+col+" = ? AND person_id = ?", j, g, p.ID)
			}
		}
		w.progress[p.ID] = map[string]lc{}
		for _, m := range modules {
			if r.IntN(3) == 0 {
				continue
			}
			var l lc
			l.started = at(day(-200 + r.IntN(300)))
			if r.IntN(2) == 0 {
				l.done = at(l.started.Add(time.Duration(r.IntN(20*24)) * time.Hour))
				if r.IntN(2) == 0 {
					l.strict = l.done
				} else if r.IntN(2) == 0 {
					l.strict = at(l.done.AddDate(0, 0, -30))
				}
			}
			w.progress[p.ID][m.ID] = l
			w.exec(t, "INSERT INTO learner_courses (org_id, person_id, module_id, started_at, completed_at, strict_completed_at) VALUES (?, ?, ?, ?, ?, ?)",
				o.ID, p.ID, m.ID, l.started, l.done, l.strict)
		}
		if r.IntN(8) == 0 {
			if err := s.Org.SetActive(ctx, w.admin, p.ID, false); err != nil {
				t.Fatal(err)
			}
			w.inactive[p.ID] = true
		}
	}
	return w
}

// expected is the brute-force status of every active person in every
// course required of them, by person and course.
func (w *world) expected(now time.Time, soon time.Duration) map[uuid.UUID]map[string]string {
	type acc struct {
		due    time.Time
		months int
		strict bool
	}
	terms := map[uuid.UUID]map[string]*acc{}
	for _, r := range w.reqs {
		for _, p := range w.people {
			if w.inactive[p.ID] {
				continue
			}
			var joined time.Time
			tj, inTeam := time.Time{}, false
			lj, hasLabel := time.Time{}, false
			if r.TeamID != nil {
				tj, inTeam = w.joined["team"][*r.TeamID][p.ID]
			}
			if r.LabelID != nil {
				lj, hasLabel = w.joined["label"][*r.LabelID][p.ID]
			}
			switch {
			case r.TeamID != nil && r.LabelID != nil:
				if !inTeam || !hasLabel {
					continue
				}
				joined = tj
				if lj.After(joined) {
					joined = lj
				}
			case r.TeamID != nil:
				if !inTeam {
					continue
				}
				joined = tj
			default:
				if !hasLabel {
					continue
				}
				joined = lj
			}
			days := time.Duration(r.DueDays) * 24 * time.Hour
			base := r.EffectiveFrom.Add(days)
			if r.FirstDeadline != nil {
				base = *r.FirstDeadline
			}
			due := joined.Add(days)
			if base.After(due) {
				due = base
			}
			months := 0
			switch r.Refresher {
			case store.RefresherMonths:
				months = *r.RefresherMonths
			case store.RefresherModule:
				m, _ := w.cat.Module(r.ModuleID)
				months = m.RefresherMonths
			}
			if terms[p.ID] == nil {
				terms[p.ID] = map[string]*acc{}
			}
			a := terms[p.ID][r.ModuleID]
			if a == nil {
				terms[p.ID][r.ModuleID] = &acc{due: due, months: months, strict: r.Strict}
				continue
			}
			if due.Before(a.due) {
				a.due = due
			}
			if months > 0 && (a.months == 0 || months < a.months) {
				a.months = months
			}
			a.strict = a.strict || r.Strict
		}
	}
	out := map[uuid.UUID]map[string]string{}
	for person, byModule := range terms {
		out[person] = map[string]string{}
		for module, a := range byModule {
			l := w.progress[person][module]
			done := l.done
			if a.strict {
				done = l.strict
			}
			out[person][module] = org.StatusOf(org.Terms{DueAt: a.due, Months: a.months, Strict: a.strict},
				org.Progress{StartedAt: l.started, DoneAt: done}, now, soon)
		}
	}
	return out
}

// TestCoverageMatchesBruteForce: on small random organisations, at several
// dates, every person's status from the database (the drill-down) and the
// dashboard's counts equal a recomputation in Go from the raw
// memberships, requirements and progress with StatusOf.
func TestCoverageMatchesBruteForce(t *testing.T) {
	t.Parallel()
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, seed)
			for _, now := range []time.Time{day(5), day(40), day(120), day(400)} {
				w.clock.Set(now)
				want := w.expected(now, 30*24*time.Hour)
				got := map[uuid.UUID]map[string]string{}
				ds, err := w.s.Coverage.People(w.ctx, w.admin, nil, "", "")
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range ds {
					if got[d.PersonID] == nil {
						got[d.PersonID] = map[string]string{}
					}
					got[d.PersonID][d.ModuleID] = d.Status
				}
				for person, byModule := range want {
					for module, status := range byModule {
						if got[person][module] != status {
							t.Errorf("day %v: %s in %s: %q, want %q", now.Format("2006-01-02"), person, module, got[person][module], status)
						}
					}
				}
				n := 0
				for _, m := range got {
					n += len(m)
				}
				wantN := 0
				for _, m := range want {
					wantN += len(m)
				}
				if n != wantN {
					t.Errorf("day %v: %d duties, want %d", now.Format("2006-01-02"), n, wantN)
				}

				// The dashboard's cells: each team's people by status.
				d, err := w.s.Coverage.Dashboard(w.ctx, w.admin, org.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				for _, row := range d.Rows {
					for _, cell := range row.Cells {
						counts := map[string]int{}
						for person, byModule := range want {
							inTeam := false
							if row.TeamID != nil {
								_, inTeam = w.joined["team"][*row.TeamID][person]
							} else {
								inTeam = slices.IndexFunc(w.teams, func(g store.Group) bool { _, ok := w.joined["team"][g.ID][person]; return ok }) < 0
							}
							if s, ok := byModule[cell.ModuleID]; ok && inTeam {
								counts[s]++
							}
						}
						for _, s := range org.Statuses {
							if cell.Counts.Of(s) != counts[s] {
								t.Errorf("day %v: %s × %s: %d %s, want %d", now.Format("2006-01-02"), row.Name, cell.ModuleID, cell.Counts.Of(s), s, counts[s])
							}
						}
					}
				}
			}
		})
	}
}

// TestCoverageFollowsRealCompletions: a course finished through the
// learning service counts (the database keeps learner_courses as
// completions are written); under a strict requirement, a completion with
// a scenario ended negatively does not.
func TestCoverageFollowsRealCompletions(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 100)
	ctx := w.ctx
	team, err := w.s.Org.CreateGroup(ctx, w.admin, store.Teams, "Ward 9")
	if err != nil {
		t.Fatal(err)
	}
	m := w.cat.Modules[0]
	lenient, err := w.s.Coverage.AddRequirement(ctx, w.admin, org.RequirementInput{ModuleID: m.ID, TeamID: &team.ID, Refresher: store.RefresherNever})
	if err != nil {
		t.Fatal(err)
	}
	var people []org.Actor
	for i, name := range []string{"Positive Pat", "Negative Nia"} {
		p, _, err := w.s.Org.Invite(ctx, w.admin, store.PersonDetails{Name: name, Email: fmt.Sprintf("real%d@seed.example", i), Teams: []uuid.UUID{team.ID}})
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, org.ActorFor(w.s.Store, p, ""))
	}
	status := func(a org.Actor) string {
		t.Helper()
		ds, err := w.s.Coverage.Mine(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.ModuleID == m.ID {
				return d.Status
			}
		}
		return "not required"
	}
	if s := status(people[0]); s != store.StatusNotStarted {
		t.Fatalf("before starting: %s", s)
	}
	fixture.Play(t, w.s.Learning, people[0], m.ID, fixture.Plan{Finish: true})
	fixture.Play(t, w.s.Learning, people[1], m.ID, fixture.Plan{Outcome: content.Negative, Finish: true})
	for _, a := range people {
		if s := status(a); s != store.StatusComplete {
			t.Errorf("after finishing: %s", s)
		}
	}
	// The same course made strict: only the positive play counts.
	in := org.RequirementInput{ModuleID: m.ID, TeamID: &team.ID, Refresher: store.RefresherNever, Strict: true}
	if err := w.s.Coverage.ChangeRequirement(ctx, w.admin, lenient.ID, in); err != nil {
		t.Fatal(err)
	}
	if s := status(people[0]); s != store.StatusComplete {
		t.Errorf("strict, all scenarios positive: %s", s)
	}
	if s := status(people[1]); s != store.StatusInProgress {
		t.Errorf("strict, a scenario ended negatively: %s, want in progress", s)
	}
}

// TestCoverageScope: an org admin sees every team; a team's manager sees
// their team and no other (asking for another is refused as if it did not
// exist); a learner, and anyone asking about another organisation's team,
// sees nothing; only admins change requirements and managers.
func TestCoverageScope(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 200)
	other := newWorld(t, 201)
	ctx := w.ctx
	managed, unmanaged := w.teams[0], w.teams[1]
	boss, _, err := w.s.Org.Invite(ctx, w.admin, store.PersonDetails{Name: "Mo Manager", Email: "mo@seed.example", Teams: []uuid.UUID{managed.ID}})
	if err != nil {
		t.Fatal(err)
	}
	manager := org.ActorFor(w.s.Store, boss, "")
	learner := org.ActorFor(w.s.Store, w.people[0], "")
	if _, err := w.s.Coverage.Dashboard(ctx, manager, org.Filter{}); err != org.ErrNoCoverage {
		t.Fatalf("a manager before being made one: %v", err)
	}
	if err := w.s.Coverage.SetManager(ctx, manager, managed.ID, boss.ID, true); err != org.ErrNoCoverage {
		t.Fatalf("a non-admin making a manager: %v", err)
	}
	if err := w.s.Coverage.SetManager(ctx, w.admin, managed.ID, boss.ID, true); err != nil {
		t.Fatal(err)
	}
	d, err := w.s.Coverage.Dashboard(ctx, manager, org.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range d.Rows {
		if row.TeamID == nil || *row.TeamID != managed.ID {
			t.Errorf("the manager sees the row of %q", row.Name)
		}
	}
	for _, f := range []org.Filter{{Team: &unmanaged.ID}, {Team: &other.teams[0].ID}} {
		if _, err := w.s.Coverage.Dashboard(ctx, manager, f); err != org.ErrNoCoverage {
			t.Errorf("the manager filtering to team %v: %v", *f.Team, err)
		}
		if _, err := w.s.Coverage.People(ctx, manager, f.Team, "", ""); err != org.ErrNoCoverage {
			t.Errorf("the manager listing team %v: %v", *f.Team, err)
		}
	}
	if _, err := w.s.Coverage.People(ctx, w.admin, &other.teams[0].ID, "", ""); err != org.ErrNoCoverage {
		t.Errorf("an admin naming another organisation's team: %v", err)
	}
	if _, err := w.s.Coverage.Dashboard(ctx, w.admin, org.Filter{Team: &other.teams[0].ID}); err != org.ErrNoCoverage {
		t.Errorf("an admin filtering to another organisation's team: %v", err)
	}
	if _, err := w.s.Coverage.Dashboard(ctx, learner, org.Filter{}); err != org.ErrNoCoverage {
		t.Errorf("a learner: %v", err)
	}
	if _, err := w.s.Coverage.Requirements(ctx, manager); err != org.ErrNoCoverage {
		t.Errorf("a manager listing requirements: %v", err)
	}
	if _, err := w.s.Coverage.AddRequirement(ctx, w.admin, org.RequirementInput{ModuleID: w.cat.Modules[0].ID, TeamID: &other.teams[0].ID, Refresher: store.RefresherNever}); err == nil {
		t.Error("a requirement for another organisation's team was accepted")
	}
}
