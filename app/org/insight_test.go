package org_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// person invites someone into teams and labels.
func (w *world) person(t *testing.T, name string, teams, labels []uuid.UUID) store.Person {
	t.Helper()
	p, _, err := w.s.Org.Invite(w.ctx, w.admin, store.PersonDetails{Name: name,
		Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@insight.example", Teams: teams, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// completed sets a person's latest completion of a course (as the
// database's roll-up holds it).
func (w *world) completed(t *testing.T, p store.Person, module string, at time.Time) {
	t.Helper()
	w.exec(t, `INSERT INTO learner_courses (org_id, person_id, module_id, started_at, completed_at, strict_completed_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, person_id, module_id) DO UPDATE SET completed_at = EXCLUDED.completed_at, strict_completed_at = EXCLUDED.strict_completed_at`,
		w.org.ID, p.ID, module, at, at, at)
}

func (w *world) group(t *testing.T, kind store.GroupKind, name string) store.Group {
	t.Helper()
	g, err := w.s.Org.CreateGroup(w.ctx, w.admin, kind, name)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (w *world) require(t *testing.T, in org.RequirementInput) store.Requirement {
	t.Helper()
	r, err := w.s.Coverage.AddRequirement(w.ctx, w.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ids(gs ...store.Group) []uuid.UUID {
	var out []uuid.UUID
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}

func teamOf(r org.Roster, name string) org.RosterTeam {
	for _, t := range r.Teams {
		if t.Name == name {
			return t
		}
	}
	return org.RosterTeam{Name: "(missing " + name + ")"}
}

func names(ps []org.Responder) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func sameDay(a *time.Time, b time.Time) bool { return a != nil && a.Equal(b) }

// TestRoster: with an injected clock, a team is covered while one of its
// responders is in date in every course its responders need (the label's
// everywhere, the label's in that team, the team's own) and flagged
// otherwise, with the reason; its next expiry and the date its cover
// lapses follow the responders' completions; managers see their teams
// only; without a responder label there is no roster.
func TestRoster(t *testing.T) {
	t.Parallel()
	w := newEmptyWorld(t, "Roster Trust")
	ctx := w.ctx
	alpha, bravo, charlie, delta := w.group(t, store.Teams, "Alpha"), w.group(t, store.Teams, "Bravo"),
		w.group(t, store.Teams, "Charlie"), w.group(t, store.Teams, "Delta")
	echo := w.group(t, store.Teams, "Echo")
	responder, manager := w.group(t, store.Labels, "Responder"), w.group(t, store.Labels, "Line manager")
	m1, m2, m3 := w.cat.Modules[0].ID, w.cat.Modules[1].ID, w.cat.Modules[2].ID
	w.require(t, org.RequirementInput{ModuleID: m1, LabelID: &responder.ID, Refresher: store.RefresherMonths, Months: 12})
	w.require(t, org.RequirementInput{ModuleID: m2, LabelID: &responder.ID, TeamID: &alpha.ID, Refresher: store.RefresherMonths, Months: 6})
	w.require(t, org.RequirementInput{ModuleID: m3, LabelID: &manager.ID, Refresher: store.RefresherNever})
	w.require(t, org.RequirementInput{ModuleID: m3, TeamID: &delta.ID, Refresher: store.RefresherNever})

	ann := w.person(t, "Ann Alpha", ids(alpha), ids(responder))
	ben := w.person(t, "Ben Alpha", ids(alpha), ids(responder))
	cat := w.person(t, "Cat Both", ids(alpha, bravo), ids(responder))
	dan := w.person(t, "Dan Echo", ids(echo), ids(responder))
	eve := w.person(t, "Eve Charlie", ids(charlie), ids(manager))
	gone := w.person(t, "Gone Charlie", ids(charlie), ids(responder))
	fay := w.person(t, "Fay Delta", ids(delta), ids(responder, manager))
	gus := w.person(t, "Gus Delta", ids(delta), ids(responder))
	for _, c := range []struct {
		p      store.Person
		module string
		day    int
	}{
		{ann, m1, 10}, {ann, m2, 20},
		{ben, m1, 30}, // lacks m2, which Alpha's responders need
		{cat, m1, 40}, {cat, m2, 50},
		{dan, m1, -400},              // expired on day -35
		{eve, m1, 10}, {eve, m3, 10}, // not a responder
		{gone, m1, 10},
		{fay, m1, 60}, {fay, m3, 5},
		{gus, m1, 70}, {gus, m3, 5},
	} {
		w.completed(t, c.p, c.module, day(c.day))
	}
	if err := w.s.Org.SetActive(ctx, w.admin, gone.ID, false); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(day(100))

	r, err := w.s.Coverage.Roster(ctx, w.admin, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Label != nil || len(r.Teams) != 0 {
		t.Fatalf("no responder label chosen, and yet a roster: %+v", r)
	}
	if err := w.s.Store.Org(w.org.ID).SetCoverageSettings(ctx, 30, &responder.ID); err != nil {
		t.Fatal(err)
	}

	r, err = w.s.Coverage.Roster(ctx, w.admin, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Label == nil || r.Label.ID != responder.ID {
		t.Fatalf("label %+v", r.Label)
	}
	var order []string
	for _, team := range r.Teams {
		order = append(order, team.Name)
	}
	if want := []string{"Charlie", "Echo", "Alpha", "Bravo", "Delta"}; !slices.Equal(order, want) {
		t.Errorf("teams in the order %v, want the flagged first: %v", order, want)
	}
	if r.Uncovered != 2 || r.LapsingSoon != 0 {
		t.Errorf("%d uncovered, %d lapsing soon", r.Uncovered, r.LapsingSoon)
	}

	a := teamOf(r, "Alpha")
	if !a.Covered || a.Reason != "" {
		t.Errorf("Alpha: covered %v (%s)", a.Covered, a.Reason)
	}
	if got := names(a.InDate()); !slices.Equal(got, []string{"Ann Alpha", "Cat Both"}) {
		t.Errorf("Alpha's in-date responders: %v", got)
	}
	if got := len(a.Courses); got != 2 {
		t.Errorf("Alpha's responders need %d courses: %v", got, a.Courses)
	}
	// Ben is not in date: a covered team lists its in-date responders
	// and counts the others; what Ben lacks is listed once the team has
	// no cover (below).
	if a.Labelled != 3 || slices.ContainsFunc(a.Responders, func(p org.Responder) bool { return p.Name == "Ben Alpha" }) {
		t.Errorf("Alpha: %d with the label, listed %v", a.Labelled, names(a.Responders))
	}
	// Cover thins when Ann's six-month refresher runs out, and lapses when
	// Cat's does.
	if a.NextExpiry == nil || !a.NextExpiry.At.Equal(org.AddMonths(day(20), 6)) || a.NextExpiry.Person != "Ann Alpha" || a.NextExpiry.Course.ID != m2 {
		t.Errorf("Alpha's next expiry: %+v", a.NextExpiry)
	}
	if !sameDay(a.LapsesAt, org.AddMonths(day(50), 6)) || a.LapsingSoon {
		t.Errorf("Alpha's cover lapses %v (soon %v), want %v", a.LapsesAt, a.LapsingSoon, org.AddMonths(day(50), 6))
	}

	// Bravo needs only the course required of responders everywhere,
	// which Cat (in Alpha too) holds.
	if b := teamOf(r, "Bravo"); !b.Covered || len(b.Courses) != 1 || !slices.Equal(names(b.InDate()), []string{"Cat Both"}) {
		t.Errorf("Bravo: covered %v, courses %v, in date %v", b.Covered, b.Courses, names(b.InDate()))
	}
	e := teamOf(r, "Echo")
	if e.Covered || e.Reason != org.NoneInDate || len(e.Responders) != 1 || len(e.Responders[0].Lacks) != 1 ||
		!sameDay(e.Responders[0].Lacks[0].ExpiredAt, org.AddMonths(day(-400), 12)) || e.NextExpiry != nil || e.LapsesAt != nil {
		t.Errorf("Echo, whose one responder's completion expired: %+v", e)
	}

	c := teamOf(r, "Charlie")
	if c.Covered || c.Reason != org.NoResponders || len(c.Responders) != 0 {
		t.Errorf("Charlie (a deactivated responder, a line manager): covered %v (%s), %v", c.Covered, c.Reason, names(c.Responders))
	}

	d := teamOf(r, "Delta")
	if !d.Covered || len(d.Courses) != 2 {
		t.Errorf("Delta: covered %v, courses %v", d.Covered, d.Courses)
	}
	if d.NextExpiry == nil || !d.NextExpiry.At.Equal(org.AddMonths(day(60), 12)) || d.NextExpiry.Person != "Fay Delta" {
		t.Errorf("Delta's next expiry: %+v", d.NextExpiry)
	}
	if !sameDay(d.LapsesAt, org.AddMonths(day(70), 12)) {
		t.Errorf("Delta's cover lapses %v, want %v", d.LapsesAt, org.AddMonths(day(70), 12))
	}

	// Ten days before Cat's refresher runs out, Ann's has run out: Alpha
	// is covered by Cat alone, lapsing soon.
	lapse := org.AddMonths(day(50), 6)
	w.clock.Set(lapse.AddDate(0, 0, -10))
	r, err = w.s.Coverage.Roster(ctx, w.admin, 1)
	if err != nil {
		t.Fatal(err)
	}
	a = teamOf(r, "Alpha")
	if !a.Covered || !a.LapsingSoon || !sameDay(a.LapsesAt, lapse) || a.NextExpiry == nil || a.NextExpiry.Person != "Cat Both" {
		t.Errorf("Alpha ten days before it lapses: covered %v, soon %v, lapses %v, next %+v", a.Covered, a.LapsingSoon, a.LapsesAt, a.NextExpiry)
	}
	if got := names(a.InDate()); !slices.Equal(got, []string{"Cat Both"}) {
		t.Errorf("Alpha's in-date responders: %v", got)
	}
	if r.LapsingSoon != 1 {
		t.Errorf("%d teams lapsing soon", r.LapsingSoon)
	}
	// At the moment it lapses, Alpha is flagged; Ann's lack says when her
	// completion expired.
	w.clock.Set(lapse)
	r, err = w.s.Coverage.Roster(ctx, w.admin, 1)
	if err != nil {
		t.Fatal(err)
	}
	a = teamOf(r, "Alpha")
	if a.Covered || a.Reason != org.NoneInDate {
		t.Errorf("Alpha once Cat's refresher ran out: covered %v (%s)", a.Covered, a.Reason)
	}
	for _, p := range a.Responders {
		if p.Name == "Ann Alpha" && (len(p.Lacks) != 1 || !sameDay(p.Lacks[0].ExpiredAt, org.AddMonths(day(20), 6))) {
			t.Errorf("Ann's lacks: %+v", p.Lacks)
		}
		if p.Name == "Ben Alpha" && (len(p.Lacks) != 1 || p.Lacks[0].ID != m2 || p.Lacks[0].ExpiredAt != nil) {
			t.Errorf("Ben's lacks: %+v", p.Lacks)
		}
	}

	// A manager sees their team only; a learner nothing.
	if err := w.s.Coverage.SetManager(ctx, w.admin, delta.ID, gus.ID, true); err != nil {
		t.Fatal(err)
	}
	r, err = w.s.Coverage.Roster(ctx, org.ActorFor(w.s.Store, gus, ""), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Teams) != 1 || r.Teams[0].Name != "Delta" {
		t.Errorf("the manager of Delta sees %v", r.Teams)
	}
	if _, err := w.s.Coverage.Roster(ctx, org.ActorFor(w.s.Store, eve, ""), 1); err != org.ErrNoCoverage {
		t.Errorf("a learner: %v", err)
	}

	// Without a course required of responders everywhere, Bravo's and
	// Echo's responders need nothing: no cover can be had.
	w.clock.Set(day(100))
	reqs, err := w.s.Coverage.Requirements(ctx, w.admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range reqs {
		if req.ModuleID == m1 {
			if err := w.s.Coverage.RemoveRequirement(ctx, w.admin, req.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	r, err = w.s.Coverage.Roster(ctx, w.admin, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Bravo", "Echo"} {
		if b := teamOf(r, name); b.Covered || b.Reason != org.NoCourses {
			t.Errorf("%s with no responder course: covered %v (%s)", name, b.Covered, b.Reason)
		}
	}
}

// newEmptyWorld is an organisation with an admin and nothing else, on
// the clock's day 0.
func newEmptyWorld(t *testing.T, name string) *world {
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
	o, boss, _, err := s.Org.CreateOrganisation(ctx, name, "Ada Admin", "ada@"+strings.ToLower(strings.ReplaceAll(name, " ", ""))+".example")
	if err != nil {
		t.Fatal(err)
	}
	return &world{ctx: ctx, s: s, owner: owner, org: o, admin: org.ActorFor(st, boss, ""), clock: clock, cat: cat,
		joined:   map[string]map[uuid.UUID]map[uuid.UUID]time.Time{"team": {}, "label": {}},
		progress: map[uuid.UUID]map[string]lc{}, inactive: map[uuid.UUID]bool{}}
}

// past is one completion the trend test made.
type past struct {
	at     time.Time
	strict bool // every scenario at least mixed
}

// complete stores a completion of a course made at a moment, as the
// learning service would: a course attempt and its completion.
func (w *world) complete(t *testing.T, p store.Person, m *content.Module, at time.Time, strict bool) {
	t.Helper()
	summary := `{"scenarios": [{"outcome": "positive"}]}`
	if !strict {
		summary = `{"scenarios": [{"outcome": "negative"}]}`
	}
	attempt := uuid.New()
	w.exec(t, `INSERT INTO course_attempts (id, org_id, person_id, root_id, module_id, module_version, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		attempt, w.org.ID, p.ID, attempt, m.ID, m.Version, at.Add(-time.Hour))
	w.exec(t, `INSERT INTO completions (org_id, person_id, course_attempt_id, module_id, module_version, completed_at, summary) VALUES (?, ?, ?, ?, ?, ?, ?::jsonb)`,
		w.org.ID, p.ID, attempt, m.ID, m.Version, at, summary)
}

// duty is what the brute force works out a person owes in a course.
type duty struct {
	joined time.Time
	months int
	strict bool
}

// duties works out, from the world's raw memberships and requirements,
// the terms of every active person in every course required of them,
// with when it became required.
func (w *world) duties() map[uuid.UUID]map[string]*duty {
	out := map[uuid.UUID]map[string]*duty{}
	for _, r := range w.reqs {
		for _, p := range w.people {
			if w.inactive[p.ID] {
				continue
			}
			tj, inTeam := time.Time{}, false
			lj, hasLabel := time.Time{}, false
			if r.TeamID != nil {
				tj, inTeam = w.joined["team"][*r.TeamID][p.ID]
			}
			if r.LabelID != nil {
				lj, hasLabel = w.joined["label"][*r.LabelID][p.ID]
			}
			var joined time.Time
			switch {
			case r.TeamID != nil && r.LabelID != nil:
				if !inTeam || !hasLabel {
					continue
				}
				joined = tj
				if lj.After(tj) {
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
			months := 0
			switch r.Refresher {
			case store.RefresherMonths:
				months = *r.RefresherMonths
			case store.RefresherModule:
				m, _ := w.cat.Module(r.ModuleID)
				months = m.RefresherMonths
			}
			if out[p.ID] == nil {
				out[p.ID] = map[string]*duty{}
			}
			d := out[p.ID][r.ModuleID]
			if d == nil {
				out[p.ID][r.ModuleID] = &duty{joined: joined, months: months, strict: r.Strict}
				continue
			}
			if joined.Before(d.joined) {
				d.joined = joined
			}
			if months > 0 && (d.months == 0 || months < d.months) {
				d.months = months
			}
			d.strict = d.strict || r.Strict
		}
	}
	return out
}

// TestTrendMatchesBruteForce: on small random organisations with a
// history of completions, every week's figures of every course (for the
// whole organisation and for one team) equal a count, week by week and
// person by person, from the raw memberships, requirements and
// completions; the weeks are the 52 Monday-to-Sunday weeks (UTC) up to
// the current one.
func TestTrendMatchesBruteForce(t *testing.T) {
	t.Parallel()
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 300+seed)
			modules := w.cat.Modules[:3] // newWorld's requirements name these
			var versions []store.ContentVersion
			for _, m := range modules {
				versions = append(versions, catalogue.ModuleVersion(m))
			}
			if _, err := w.s.Store.Global().RecordContentVersions(w.ctx, day(-1000), versions); err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(seed, 11))
			history := map[uuid.UUID]map[string][]past{}
			for _, p := range w.people {
				history[p.ID] = map[string][]past{}
				for _, m := range modules {
					for range r.IntN(4) {
						c := past{at: day(-420 + r.IntN(600)).Add(time.Duration(r.IntN(24*60)) * time.Minute), strict: r.IntN(3) > 0}
						w.complete(t, p, m, c.at, c.strict)
						history[p.ID][m.ID] = append(history[p.ID][m.ID], c)
					}
				}
			}
			owed := w.duties()
			for _, now := range []time.Time{day(180), day(185).Add(13 * time.Hour), day(400)} {
				w.clock.Set(now)
				for _, team := range []*store.Group{nil, &w.teams[r.IntN(len(w.teams))]} {
					f := org.TrendFilter{}
					if team != nil {
						f.Team = &team.ID
					}
					tr, err := w.s.Coverage.Trend(w.ctx, w.admin, f)
					if err != nil {
						t.Fatal(err)
					}
					checkWeeks(t, tr.Weeks, now)
					want := map[string][]org.TrendPoint{}
					for person, byModule := range owed {
						if team != nil {
							if _, in := w.joined["team"][team.ID][person]; !in {
								continue
							}
						}
						for module, d := range byModule {
							if want[module] == nil {
								want[module] = make([]org.TrendPoint, org.TrendWeeks)
							}
							for i, wk := range tr.Weeks {
								if d.joined.After(wk.At) {
									continue
								}
								want[module][i].Required++
								for _, c := range history[person][module] {
									if (c.strict || !d.strict) && !c.at.After(wk.At) && (d.months == 0 || org.AddMonths(c.at, d.months).After(wk.At)) {
										want[module][i].Covered++
										break
									}
								}
							}
						}
					}
					if len(tr.Lines) != len(want) {
						t.Errorf("%v, team %v: %d lines, want %d", now, team, len(tr.Lines), len(want))
					}
					for _, l := range tr.Lines {
						for i, p := range l.Points {
							if p != want[l.ID][i] {
								t.Errorf("%v, team %v: %s, week of %s: %+v, want %+v", now.Format(time.DateOnly), team != nil, l.ID,
									tr.Weeks[i].Start.Format(time.DateOnly), p, want[l.ID][i])
							}
						}
					}
				}
			}
			// The history is not trivial: some weeks have people covered,
			// some people not.
			tr, err := w.s.Coverage.Trend(w.ctx, w.admin, org.TrendFilter{})
			if err != nil {
				t.Fatal(err)
			}
			covered, uncovered := 0, 0
			for _, l := range tr.Lines {
				for _, p := range l.Points {
					covered += p.Covered
					uncovered += p.Required - p.Covered
				}
			}
			if covered == 0 || uncovered == 0 {
				t.Errorf("a trivial history: %d covered, %d not, over all weeks", covered, uncovered)
			}
			// One course only.
			one := w.reqs[0].ModuleID
			tr, err = w.s.Coverage.Trend(w.ctx, w.admin, org.TrendFilter{Module: one})
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Lines) != 1 || tr.Lines[0].ID != one || len(tr.Courses) < 1 {
				t.Errorf("the trend of %s alone: %d lines, %d courses to choose from", one, len(tr.Lines), len(tr.Courses))
			}
			if _, err := w.s.Coverage.Trend(w.ctx, w.admin, org.TrendFilter{Module: "no-such-course"}); err == nil {
				t.Error("a course that does not exist was accepted")
			}
			// A course of the catalogue nobody is required to take: no line.
			tr, err = w.s.Coverage.Trend(w.ctx, w.admin, org.TrendFilter{Module: w.cat.Modules[len(w.cat.Modules)-1].ID})
			if err != nil || len(tr.Lines) != 0 {
				t.Errorf("a course nobody must take: %d lines, %v", len(tr.Lines), err)
			}
		})
	}
}

// checkWeeks: 52 weeks, each from a Monday at midnight UTC to the next,
// the last holding now and measured at now.
func checkWeeks(t *testing.T, weeks []org.Week, now time.Time) {
	t.Helper()
	if len(weeks) != org.TrendWeeks {
		t.Fatalf("%d weeks", len(weeks))
	}
	for i, w := range weeks {
		if w.Start.Weekday() != time.Monday || w.Start.Hour() != 0 || w.Start.Minute() != 0 || w.Start.Location() != time.UTC {
			t.Errorf("week %d starts %v", i, w.Start)
		}
		if i > 0 && !w.Start.Equal(weeks[i-1].Start.AddDate(0, 0, 7)) {
			t.Errorf("week %d starts %v, after %v", i, w.Start, weeks[i-1].Start)
		}
		if i < len(weeks)-1 && !w.At.Equal(w.Start.AddDate(0, 0, 7)) {
			t.Errorf("week %d measured at %v", i, w.At)
		}
	}
	last := weeks[len(weeks)-1]
	if !last.At.Equal(now) || now.Before(last.Start) || !now.Before(last.Start.AddDate(0, 0, 7)) {
		t.Errorf("the last week starts %v and is measured at %v; now is %v", last.Start, last.At, now)
	}
}

// TestEvaluationFloor: a figure resting on four people reads "fewer than
// 5"; on five, the means, the shares agreeing and the changes are shown.
// A manager counts their teams' people only; someone who answered before
// but not after is not counted.
func TestEvaluationFloor(t *testing.T) {
	t.Parallel()
	w := newEmptyWorld(t, "Evaluation Trust")
	ctx := w.ctx
	four, five := w.group(t, store.Teams, "Four"), w.group(t, store.Teams, "Five")
	m := w.cat.Modules[0]
	same := func(v int) []int {
		out := make([]int, len(m.Confidence))
		for i := range out {
			out[i] = v
		}
		return out
	}
	for i := range 4 {
		p := w.person(t, fmt.Sprintf("Four %d", i), ids(four), nil)
		fixture.Play(t, w.s.Learning, org.ActorFor(w.s.Store, p, ""), m.ID, fixture.Plan{Pre: same(2), Finish: true, Post: same(4)})
	}
	before, after := []int{2, 2, 3, 4, 5}, []int{4, 4, 4, 5, 3}
	for i := range 5 {
		p := w.person(t, fmt.Sprintf("Five %d", i), ids(five), nil)
		fixture.Play(t, w.s.Learning, org.ActorFor(w.s.Store, p, ""), m.ID, fixture.Plan{Pre: same(before[i]), Finish: true, Post: same(after[i])})
	}
	// Before only: not counted.
	unfinished := w.person(t, "Five unfinished", ids(five), nil)
	fixture.Play(t, w.s.Learning, org.ActorFor(w.s.Store, unfinished, ""), m.ID, fixture.Plan{Pre: same(1)})
	managers := map[string]org.Actor{}
	for _, g := range []store.Group{four, five} {
		boss := w.person(t, "Boss of "+g.Name, ids(g), nil)
		if err := w.s.Coverage.SetManager(ctx, w.admin, g.ID, boss.ID, true); err != nil {
			t.Fatal(err)
		}
		managers[g.Name] = org.ActorFor(w.s.Store, boss, "")
	}

	figures := func(a org.Actor) org.CourseEvaluation {
		t.Helper()
		e, err := w.s.Coverage.Evaluation(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Courses) != 1 || e.Courses[0].ID != m.ID {
			t.Fatalf("courses %+v", e.Courses)
		}
		return e.Courses[0]
	}
	all := func(c org.Confidence) []string {
		return []string{c.People.String(), c.MeanBefore, c.MeanAfter, c.MeanChange, c.AgreeBefore, c.AgreeAfter, c.AgreeChange}
	}

	// Four people: every figure hidden, the statements' and the total's.
	c := figures(managers["Four"])
	if len(c.Statements) != len(m.Confidence) {
		t.Fatalf("%d statements, want %d", len(c.Statements), len(m.Confidence))
	}
	for _, s := range append(c.Statements, c.Total) {
		for _, f := range all(s) {
			if f != "fewer than 5" {
				t.Errorf("n = 4: %q shows %v", s.Statement, all(s))
				break
			}
		}
	}
	for _, sc := range c.Scenarios {
		if sc.First.People.Shown() || sc.Latest.People.Shown() {
			t.Errorf("n = 4: scenario %s shows %v people", sc.ID, sc.First.People)
		}
	}

	// Five people: shown.
	c = figures(managers["Five"])
	want := []string{"5", "3.2", "4.0", "+0.8", "40%", "80%", "+40 points"}
	for _, s := range append(c.Statements, c.Total) {
		if got := all(s); !slices.Equal(got, want) {
			t.Errorf("n = 5: %q shows %v, want %v", s.Statement, got, want)
		}
	}
	if len(c.Scenarios) != len(m.Scenarios()) {
		t.Fatalf("%d scenarios, want %d", len(c.Scenarios), len(m.Scenarios()))
	}
	for _, sc := range c.Scenarios {
		rows := sc.Rows()
		// Six: the one who did not finish the course played its
		// scenarios to the end.
		if sc.First.People.String() != "6" || rows[0].Outcome != content.Positive || rows[0].First.People.String() != "6" ||
			rows[0].First.Share != "100%" || rows[1].First.People.Shown() || rows[2].Latest.People.Shown() {
			t.Errorf("n = 5: scenario %s endings %+v", sc.ID, rows)
		}
	}

	// The org admin: all nine.
	c = figures(w.admin)
	if got, want := all(c.Total), []string{"9", "2.7", "4.0", "+1.3", "22%", "89%", "+67 points"}; !slices.Equal(got, want) {
		t.Errorf("the organisation: %v, want %v", got, want)
	}

	// Served from a snapshot (as for a large organisation), every figure
	// is the same, hidden ones hidden, for the admin and a manager.
	snapped := org.NewCoverage(w.s.Store, w.s.Catalogues, w.clock.Now, org.WithSnapshots(1, time.Hour))
	for _, a := range []org.Actor{w.admin, managers["Four"], w.admin} { // the second admin view from the snapshot
		want, err := w.s.Coverage.Evaluation(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := snapped.Evaluation(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		got.AsOf = time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("from a snapshot:\n%+v\nlive:\n%+v", got, want)
		}
	}
	if _, err := w.admin.Org.Snapshot(ctx, store.SnapshotEvaluation, "teams=*"); err != nil {
		t.Errorf("no snapshot of the admin's evaluation: %v", err)
	}
}

// TestEvaluationTotalLeavesOutHiddenStatements: a course's total counts
// only the statements with enough people to be shown, so a statement
// hidden for resting on three people cannot be worked out by subtracting
// the others from the total.
func TestEvaluationTotalLeavesOutHiddenStatements(t *testing.T) {
	t.Parallel()
	w := newEmptyWorld(t, "Subtraction Trust")
	m := w.cat.Modules[0]
	if len(m.Confidence) < 2 {
		t.Fatalf("course %s has %d statements, want two or more", m.ID, len(m.Confidence))
	}
	answers := func(first, rest int) []int {
		out := make([]int, len(m.Confidence))
		out[0] = first
		for i := 1; i < len(out); i++ {
			out[i] = rest
		}
		return out
	}
	// Five answer every statement but the first (0: left blank); three
	// answer the first only, very differently.
	for i := range 5 {
		p := w.person(t, fmt.Sprintf("Rest %d", i), nil, nil)
		fixture.Play(t, w.s.Learning, org.ActorFor(w.s.Store, p, ""), m.ID, fixture.Plan{Pre: answers(0, 2), Finish: true, Post: answers(0, 4)})
	}
	for i := range 3 {
		p := w.person(t, fmt.Sprintf("First %d", i), nil, nil)
		fixture.Play(t, w.s.Learning, org.ActorFor(w.s.Store, p, ""), m.ID, fixture.Plan{Pre: answers(1, 0), Finish: true, Post: answers(5, 0)})
	}
	e, err := w.s.Coverage.Evaluation(w.ctx, w.admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Courses) != 1 || len(e.Courses[0].Statements) != len(m.Confidence) {
		t.Fatalf("courses %+v", e.Courses)
	}
	c := e.Courses[0]
	if s := c.Statements[0]; s.People.Shown() || s.MeanBefore != "fewer than 5" {
		t.Errorf("the first statement, three people: %+v", s)
	}
	if got, want := []string{c.Total.People.String(), c.Total.MeanBefore, c.Total.MeanAfter}, []string{"5", "2.0", "4.0"}; !slices.Equal(got, want) {
		t.Errorf("the total: %v, want %v (the first statement's three left out)", got, want)
	}
}
