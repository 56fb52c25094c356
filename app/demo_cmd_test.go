package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/seed"
	"github.com/upstand/upstand/app/store"
)

var seededOrgRE = regexp.MustCompile(`Organisation "([^"]+)" \(id ([0-9a-f-]{36})\) (created and filled|filled)\.`)

// TestDemoSeedCommand: `upstand demo seed` makes the organisation, says
// its id and the time taken, publishes the organisation's own copies of
// library courses to reach the courses asked for, and writes the same
// people and history for the same seed (into another organisation);
// seeding an organisation twice, and bad flags, are refused.
func TestDemoSeedCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := dbtest.URL(t)
	vars := env(map[string]string{"DATABASE_URL": u, "UPSTAND_LOG_LEVEL": "error"})
	demo := func(args ...string) (int, string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := run(ctx, append([]string{"demo", "seed"}, args...), vars, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	app, err := db.Open(ctx, u, db.AsApp())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	st := store.New(app)

	type summary struct {
		people, teams, requirements, completions []string
	}
	seeded := func(name string, args ...string) (store.Organisation, summary) {
		t.Helper()
		code, out, errOut := demo(append([]string{"--org", name}, args...)...)
		if code != 0 {
			t.Fatalf("seed %s: code %d\n%s\n%s", name, code, out, errOut)
		}
		m := seededOrgRE.FindStringSubmatch(out)
		if m == nil || m[1] != name || m[3] != "created and filled" || !strings.Contains(out, "Seeded in ") {
			t.Fatalf("seed %s: output\n%s", name, out)
		}
		orgs, err := st.Global().Organisations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(orgs, func(o store.Organisation) bool { return o.ID.String() == m[2] })
		if i < 0 {
			t.Fatalf("no organisation %s", m[2])
		}
		var s summary
		o := st.Org(orgs[i].ID)
		people, err := o.People(ctx)
		if err != nil {
			t.Fatal(err)
		}
		domain := seed.Domain(name)
		for _, p := range people {
			if local, ok := strings.CutSuffix(p.Email, "@"+domain); ok && strings.Contains(local, ".") {
				s.people = append(s.people, p.Name+" "+local)
			}
		}
		teams, err := o.GroupNames(ctx, store.Teams)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range teams {
			s.teams = append(s.teams, g.Name)
		}
		reqs, err := o.Requirements(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			s.requirements = append(s.requirements, r.ModuleID+" "+r.Refresher)
		}
		slices.Sort(s.requirements)
		if err := o.StreamCompletions(ctx, func(c store.CompletionRow) error {
			s.completions = append(s.completions, c.PersonName+" "+c.ModuleID+" "+c.CompletedAt.UTC().Format(time.RFC3339))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(s.completions)
		return orgs[i], s
	}

	first, a := seeded("Riverside Care", "--learners", "120", "--teams", "6", "--courses", "14", "--seed", "7")
	if len(a.people) != 120 || len(a.teams) != 6 || len(a.completions) == 0 || len(a.requirements) == 0 {
		t.Fatalf("seeded %d people, %d teams, %d requirements, %d completions", len(a.people), len(a.teams), len(a.requirements), len(a.completions))
	}
	var courses []string
	for _, r := range a.requirements {
		id, _, _ := strings.Cut(r, " ")
		if !slices.Contains(courses, id) {
			courses = append(courses, id)
		}
	}
	if len(courses) != 14 {
		t.Errorf("%d required courses, want 14 (the library's 12 and two copies): %v", len(courses), courses)
	}
	if first.ResponderLabelID == nil {
		t.Error("no responder label set")
	}
	// The same seed, another organisation: the same people and history.
	_, b := seeded("Hillside Care", "--learners", "120", "--teams", "6", "--courses", "14", "--seed", "7")
	if !slices.Equal(a.people, b.people) || !slices.Equal(a.teams, b.teams) || !slices.Equal(a.requirements, b.requirements) ||
		!slices.Equal(a.completions, b.completions) {
		t.Errorf("the same seed wrote different data:\n%v\n%v", a.completions[:3], b.completions[:3])
	}
	// Another seed: other people.
	_, c := seeded("Lakeside Care", "--learners", "120", "--teams", "6", "--courses", "14", "--seed", "8")
	if slices.Equal(a.people, c.people) {
		t.Error("another seed wrote the same people")
	}

	if code, _, errOut := demo("--org", "Riverside Care", "--learners", "10", "--teams", "2", "--courses", "0"); code != 1 || !strings.Contains(errOut, "already has 120 seeded people") {
		t.Errorf("seeding again: code %d, %q", code, errOut)
	}
	for _, bad := range [][]string{
		{"--learners", "10", "--teams", "2"},
		{"--org", "X", "--learners", "0", "--teams", "1"},
		{"--org", "X", "--learners", "5", "--teams", "6"},
		{"--org", "X", "--learners", "5", "--teams", "1", "--courses", "99"},
	} {
		if code, _, errOut := demo(bad...); code != 2 || !strings.HasPrefix(errOut, "upstand demo seed: --") {
			t.Errorf("%v: code %d, %q", bad, code, errOut)
		}
	}
	orgs, err := st.Global().Organisations(ctx)
	if err != nil || len(orgs) != 3 {
		t.Errorf("%d organisations after the refusals, want 3 (%v)", len(orgs), err)
	}
}

// TestDemoStartSeedsALivingDashboard: the demo organisation's first start
// fills it with a few hundred people and a year of history: its admin's
// dashboard has teams and every status, the roster a responder label, and
// the demo learner required courses; a second start adds nothing.
func TestDemoStartSeedsALivingDashboard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	cat, err := content.Load(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := recordCatalogue(ctx, st, time.Now(), cat); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://localhost:8080")
	identity, err := auth.New(st, auth.DefaultConfig(base), time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	admins := org.New(st, org.Config{BaseURL: base}, time.Now)
	cats := catalogue.New(cat, time.Now)
	sv := &seed.Services{Store: st, Org: admins, Authoring: authoring.New(st, cats, upstand.Files, time.Now), Cats: cats}
	var out bytes.Buffer
	if err := ensureDemo(ctx, st, identity, admins, sv, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Demo organisation: 300 people in 12 teams") {
		t.Errorf("first start:\n%s", out.String())
	}
	orgs, err := st.Global().Organisations(ctx)
	if err != nil || len(orgs) != 1 {
		t.Fatalf("%d organisations, %v", len(orgs), err)
	}
	o := st.Org(orgs[0].ID)
	people, err := o.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := personByEmail(people, demoAdminEmail)
	learner, _ := personByEmail(people, "learner@demo.example")
	cover := org.NewCoverage(st, cats, time.Now)
	d, err := cover.Dashboard(ctx, org.ActorFor(st, admin, ""), org.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Teams < demoTeams || len(d.Courses) != len(cat.Modules) {
		t.Errorf("the dashboard shows %d teams and %d courses, want %d and %d", d.Teams, len(d.Courses), demoTeams, len(cat.Modules))
	}
	statuses := map[string]bool{}
	for _, c := range d.Totals {
		for s, n := range c.Counts.All() {
			if n > 0 {
				statuses[s] = true
			}
		}
	}
	for _, s := range []string{store.StatusComplete, store.StatusDueSoon, store.StatusOverdue} {
		if !statuses[s] {
			t.Errorf("nobody is %s: %v", s, statuses)
		}
	}
	mine, err := cover.Mine(ctx, org.ActorFor(st, learner, ""))
	if err != nil || len(mine) == 0 {
		t.Errorf("the demo learner has %d required courses, %v", len(mine), err)
	}
	r, err := cover.Roster(ctx, org.ActorFor(st, admin, ""), 1)
	if err != nil || r.Label == nil || len(r.Teams) != demoTeams {
		t.Errorf("roster: %v, label %v, %d teams", err, r.Label, len(r.Teams))
	}

	out.Reset()
	if err := ensureDemo(ctx, st, identity, admins, sv, &out); err != nil {
		t.Fatal(err)
	}
	again, err := o.People(ctx)
	if err != nil || len(again) != len(people) || strings.Contains(out.String(), "Demo organisation:") {
		t.Errorf("second start: %d people (was %d), %v\n%s", len(again), len(people), err, out.String())
	}
}
