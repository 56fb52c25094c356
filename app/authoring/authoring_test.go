package authoring_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// The studio's tests run on a real database, through the real services,
// wired as main wires them: one catalogue cache shared by the studio (which
// publishes into it) and the learning service (which serves from it).

func TestMain(m *testing.M) { dbtest.Main(m) }

// studio is a fresh database with the services over it.
type studio struct {
	fixture.Services
	clock *fixture.Clock
	// owner is the same database beneath row-level security, for counting
	// what was written.
	owner *bun.DB
}

func newStudio(t *testing.T) *studio {
	t.Helper()
	app, owner := dbtest.NewWithAdmin(t)
	clock := fixture.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)).Ticking(time.Second)
	return &studio{Services: fixture.NewStudio(t, store.New(app), upstand.Files, clock.Now), clock: clock, owner: owner}
}

// team is an organisation with two trainers and a learner.
type team struct {
	org               store.Organisation
	trainer, reviewer org.Actor
	learner           org.Actor
}

// team makes an organisation whose names carry tag.
func (s *studio) team(t *testing.T, tag string) team {
	t.Helper()
	ctx := context.Background()
	lower := strings.ToLower(tag)
	o, _, _, err := s.Org.CreateOrganisation(ctx, tag+" Trust", tag+" Adminson", "admin@"+lower+".example")
	if err != nil {
		t.Fatal(err)
	}
	op := org.Operator(s.Store, o.ID, "operator")
	person := func(name string, trainer bool) org.Actor {
		p, _, err := s.Org.Invite(ctx, op, store.PersonDetails{Name: tag + " " + name, Email: strings.ToLower(name) + "@" + lower + ".example", IsTrainer: trainer})
		if err != nil {
			t.Fatal(err)
		}
		return org.ActorFor(s.Store, p, "")
	}
	return team{org: o, trainer: person("Trainer", true), reviewer: person("Reviewer", true), learner: person("Learner", false)}
}

// wantFault fails the test unless err is a fault of kind (naming field,
// for an invalid one).
func wantFault(t *testing.T, err error, kind fault.Kind, field string) {
	t.Helper()
	f, ok := fault.As(err)
	if !ok || f.Kind != kind || f.Field != field {
		t.Fatalf("error %v (%#v), want a %v fault on field %q", err, f, kind, field)
	}
}

// audit is the organisation's audit entries of one action.
func audit(t *testing.T, a org.Actor, action org.Action) []store.AuditEntry {
	t.Helper()
	es, err := a.Org.AuditLog(context.Background(), store.AuditFilter{Action: string(action)})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// versionRows counts the content_versions rows of an id, every
// organisation's.
func (s *studio) versionRows(t *testing.T, kind, id string) int {
	t.Helper()
	var n int
	if err := s.owner.NewRaw("SELECT count(*) FROM content_versions WHERE kind = ? AND id = ?", kind, id).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// branching is a scenario whose positive ending is two choices away: the
// opening's first choice leads to a middle node, whose first choice leads
// to first (an ending node's id) and whose second to the other ending.
func branching(id, middle, first string) string {
	second := map[string]string{"good-ending": "mixed-ending", "mixed-ending": "good-ending"}[first]
	return fmt.Sprintf(`id: %s
title: "Night shift handover"
summary: "A colleague makes a remark at the night shift handover."
audience: [line-manager]
minutes: 5
competencies:
  listening: "Listening"
start: opening
nodes:
  opening:
    text: |
      The handover starts, and someone laughs at a colleague's accent.
    choices:
      - text: "Ask the colleague how they are, after the handover."
        goto: middle
        score: {listening: 1}
      - text: "Move on."
        goto: mixed-ending
  middle:
    text: |
      %s
    choices:
      - text: "Thank them, and agree what happens next."
        goto: %s
      - text: "Tell them it was only a joke."
        goto: %s
  good-ending:
    ending: positive
    text: |
      They felt heard.
  mixed-ending:
    ending: mixed
    text: |
      It could have gone better.
`, id, middle, first, second)
}

// create makes a draft of kind from the template and, if files is not
// nil, saves files over it; it returns the draft.
func create(t *testing.T, svc *authoring.Service, a org.Actor, kind, id string, files map[string]string) store.Authored {
	t.Helper()
	ctx := context.Background()
	r, err := svc.Create(ctx, a, kind, id, "Title of "+id)
	if err != nil {
		t.Fatalf("create %s %s: %v", kind, id, err)
	}
	if files == nil {
		return r
	}
	if r, err = svc.Save(ctx, a, kind, id, r.Revision, files); err != nil {
		t.Fatalf("save %s %s: %v", kind, id, err)
	}
	return r
}

// publish publishes the draft's latest revision and returns the version.
func publish(t *testing.T, svc *authoring.Service, a org.Actor, kind, id string) string {
	t.Helper()
	ctx := context.Background()
	it, err := svc.Get(ctx, a, kind, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(it.Problems) > 0 {
		t.Fatalf("%s %s has problems: %v", kind, id, it.Problems)
	}
	v, changed, err := svc.Publish(ctx, a, kind, id, it.Revision, "publish "+id)
	if err != nil || !changed || v != it.Version {
		t.Fatalf("publish %s %s: %q changed=%v %v (draft version %q)", kind, id, v, changed, err, it.Version)
	}
	return v
}

// courseUsing is a module draft's files: the template with its reflection
// step replaced by a step playing scenario.
func courseUsing(t *testing.T, svc *authoring.Service, a org.Actor, id, scenario string) map[string]string {
	t.Helper()
	it, err := svc.Get(context.Background(), a, authoring.Module, id)
	if err != nil {
		t.Fatal(err)
	}
	files := maps.Clone(it.Files)
	main := files["module.yaml"]
	i := strings.Index(main, "  - reflection:")
	j := strings.Index(main[i:], "\n")
	if i < 0 || j < 0 {
		t.Fatalf("the module template has no reflection step:\n%s", main)
	}
	files["module.yaml"] = main[:i] + "  - scenario: " + scenario + main[i+j:]
	return files
}

func TestPublish(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStudio(t)
	svc := s.Authoring
	x := s.team(t, "Alder")

	t.Run("a draft with problems", func(t *testing.T) {
		id := "broken-draft"
		r := create(t, svc, x.trainer, authoring.Scenario, id, map[string]string{id + ".yaml": strings.Replace(
			branching(id, "They look away.", "good-ending"), "goto: middle", "goto: nowhere", 1)})
		it, err := svc.Get(ctx, x.trainer, authoring.Scenario, id)
		if err != nil || len(it.Problems) == 0 || it.Version != "" {
			t.Fatalf("the draft checks as %v, version %q (%v): want its problems", it.Problems, it.Version, err)
		}
		_, changed, err := svc.Publish(ctx, x.trainer, authoring.Scenario, id, r.Revision, "try")
		if !errors.Is(err, authoring.ErrProblems) || changed {
			t.Fatalf("publish: changed=%v %v, want ErrProblems", changed, err)
		}
		if h, err := svc.History(ctx, x.trainer, authoring.Scenario, id); err != nil || len(h) != 0 {
			t.Errorf("history %v %v, want none", h, err)
		}
		if it, _ := svc.Get(ctx, x.trainer, authoring.Scenario, id); it.Published() {
			t.Errorf("published as %q", it.PublishedVersion)
		}
		if n := s.versionRows(t, store.KindScenario, id); n != 0 {
			t.Errorf("%d content versions stored", n)
		}
		if es := audit(t, x.trainer, org.ContentPublish); len(es) != 0 {
			t.Errorf("publish audit entries %v", es)
		}
	})

	t.Run("twice unchanged, stale, without a note", func(t *testing.T) {
		id := "twice"
		r := create(t, svc, x.trainer, authoring.Scenario, id, nil)
		v, changed, err := svc.Publish(ctx, x.trainer, authoring.Scenario, id, r.Revision, "  first version ")
		if err != nil || !changed || v == "" {
			t.Fatalf("publish: %q changed=%v %v", v, changed, err)
		}
		again, changed, err := svc.Publish(ctx, x.trainer, authoring.Scenario, id, r.Revision, "again")
		if err != nil || changed || again != v {
			t.Fatalf("publish again: %q changed=%v %v, want %q unchanged", again, changed, err, v)
		}
		// Saving the same text is a new revision but the same version.
		r2, err := svc.Save(ctx, x.trainer, authoring.Scenario, id, r.Revision, r.Files)
		if err != nil || r2.Revision != r.Revision+1 {
			t.Fatalf("save unchanged: revision %d %v", r2.Revision, err)
		}
		if again, changed, err = svc.Publish(ctx, x.trainer, authoring.Scenario, id, r2.Revision, "same text"); err != nil || changed || again != v {
			t.Fatalf("publish the same text: %q changed=%v %v", again, changed, err)
		}
		h, err := svc.History(ctx, x.trainer, authoring.Scenario, id)
		if err != nil || len(h) != 1 {
			t.Fatalf("history %v %v, want one version", h, err)
		}
		if h[0].Version != v || h[0].Note != "first version" || h[0].Revision != r.Revision || h[0].PublishedBy != x.trainer.PersonID {
			t.Errorf("history entry %+v", h[0])
		}
		var published int
		for _, e := range audit(t, x.trainer, org.ContentPublish) {
			if e.Detail["id"] == id {
				published++
			}
		}
		if published != 1 {
			t.Errorf("%d publish audit entries, want 1", published)
		}
		if n := s.versionRows(t, store.KindScenario, id); n != 1 {
			t.Errorf("%d content versions stored, want 1", n)
		}

		_, _, err = svc.Publish(ctx, x.trainer, authoring.Scenario, id, r.Revision, "stale")
		if !errors.Is(err, authoring.ErrStale) {
			t.Errorf("publishing revision %d of %d: %v, want ErrStale", r.Revision, r2.Revision, err)
		}
		for _, note := range []string{"", " \n\t "} {
			_, _, err = svc.Publish(ctx, x.trainer, authoring.Scenario, id, r2.Revision, note)
			wantFault(t, err, fault.Invalid, "note")
		}
		_, _, err = svc.Publish(ctx, x.trainer, authoring.Scenario, id, r2.Revision, strings.Repeat("é", authoring.MaxNote+1))
		wantFault(t, err, fault.Invalid, "note")
	})

	t.Run("review", func(t *testing.T) {
		y := s.team(t, "Rowan")
		id := "reviewed"
		if err := svc.SetReview(ctx, y.trainer, true); err != nil {
			t.Fatal(err)
		}
		r := create(t, svc, y.trainer, authoring.Scenario, id, nil)
		steps := []struct {
			name string
			do   func() error
			want error
		}{
			{"unapproved", func() error {
				_, _, err := svc.Publish(ctx, y.trainer, authoring.Scenario, id, r.Revision, "first")
				return err
			}, authoring.ErrNeedsReview},
			{"own approval", func() error { return svc.Approve(ctx, y.trainer, authoring.Scenario, id, r.Revision) }, authoring.ErrOwnApproval},
			{"still unapproved", func() error {
				_, _, err := svc.Publish(ctx, y.trainer, authoring.Scenario, id, r.Revision, "first")
				return err
			}, authoring.ErrNeedsReview},
			{"approval of another revision", func() error { return svc.Approve(ctx, y.reviewer, authoring.Scenario, id, r.Revision+1) }, authoring.ErrStale},
			{"second trainer approves", func() error { return svc.Approve(ctx, y.reviewer, authoring.Scenario, id, r.Revision) }, nil},
			{"approved", func() error {
				_, changed, err := svc.Publish(ctx, y.trainer, authoring.Scenario, id, r.Revision, "first")
				if err == nil && !changed {
					err = errors.New("nothing changed")
				}
				return err
			}, nil},
			{"a later save", func() error {
				files := map[string]string{id + ".yaml": strings.Replace(r.Files[id+".yaml"], "The debrief: what went well", "What went well", 1)}
				var err error
				r, err = svc.Save(ctx, y.trainer, authoring.Scenario, id, r.Revision, files)
				return err
			}, nil},
			{"needs a new approval", func() error {
				_, _, err := svc.Publish(ctx, y.trainer, authoring.Scenario, id, r.Revision, "second")
				return err
			}, authoring.ErrNeedsReview},
		}
		for _, st := range steps {
			if err := st.do(); !errors.Is(err, st.want) || (st.want == nil && err != nil) {
				t.Fatalf("%s: %v, want %v", st.name, err, st.want)
			}
		}
		h, err := svc.History(ctx, y.trainer, authoring.Scenario, id)
		if err != nil || len(h) != 1 || h[0].ApprovedBy != y.reviewer.PersonID || h[0].PublishedBy != y.trainer.PersonID {
			t.Fatalf("history %+v %v, want one version approved by the reviewer", h, err)
		}
		if es := audit(t, y.trainer, org.ContentApprove); len(es) != 1 {
			t.Errorf("approval audit entries %v, want 1", es)
		}
		// Turned off, the draft publishes without a new approval.
		if err := svc.SetReview(ctx, y.trainer, false); err != nil {
			t.Fatal(err)
		}
		if _, changed, err := svc.Publish(ctx, y.trainer, authoring.Scenario, id, r.Revision, "second"); err != nil || !changed {
			t.Fatalf("publish with review off: changed=%v %v", changed, err)
		}
	})
}

func TestConcurrentEdit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStudio(t)
	x := s.team(t, "Birch")
	id := "handover"
	create(t, s.Authoring, x.trainer, authoring.Scenario, id, nil)
	first, err := s.Authoring.Get(ctx, x.trainer, authoring.Scenario, id)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Authoring.Get(ctx, x.reviewer, authoring.Scenario, id)
	if err != nil || first.Revision != 1 || second.Revision != 1 {
		t.Fatalf("both open revision 1: %d, %d (%v)", first.Revision, second.Revision, err)
	}
	edit := func(it authoring.Item, from, to string) map[string]string {
		name := it.MainFile()
		return map[string]string{name: strings.Replace(it.Files[name], from, to, 1)}
	}
	mine := edit(first, "Describe the moment: who is there, what has just been said.", "The ward is busy; a joke lands badly.")
	theirs := edit(second, "Describe the moment: who is there, what has just been said.", "Handover, 7am; someone laughs.")

	saved, err := s.Authoring.Save(ctx, x.trainer, authoring.Scenario, id, first.Revision, mine)
	if err != nil || saved.Revision != 2 {
		t.Fatalf("first save: revision %d %v", saved.Revision, err)
	}
	if _, err := s.Authoring.Save(ctx, x.reviewer, authoring.Scenario, id, second.Revision, theirs); !errors.Is(err, authoring.ErrStale) {
		t.Fatalf("second save from revision 1: %v, want ErrStale", err)
	}
	now, err := s.Authoring.Get(ctx, x.reviewer, authoring.Scenario, id)
	if err != nil || now.Revision != 2 || !maps.Equal(now.Files, mine) || now.UpdatedBy != x.trainer.PersonID {
		t.Fatalf("stored draft: revision %d by %v, files equal to the first save: %v (%v)", now.Revision, now.UpdatedBy, maps.Equal(now.Files, mine), err)
	}
	d := authoring.DiffFiles(authoring.Scenario, id, "saved", "yours", now.Files, theirs)
	for _, want := range []string{
		"--- scenarios/handover.yaml (saved)",
		"+++ scenarios/handover.yaml (yours)",
		"\n-      The ward is busy; a joke lands badly.\n",
		"\n+      Handover, 7am; someone laughs.\n",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("the diff has no %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "\n-title:") || strings.Contains(d, "\n+title:") {
		t.Errorf("the diff shows unchanged lines as changed:\n%s", d)
	}
	if d := authoring.DiffFiles(authoring.Scenario, id, "a", "b", mine, mine); d != "" {
		t.Errorf("the diff of equal files is %q", d)
	}

	// Saved at the same moment from the same revision, one save wins and
	// the other is told the draft moved on.
	errs := make(chan error, 2)
	for _, c := range []struct {
		a     org.Actor
		files map[string]string
	}{{x.trainer, theirs}, {x.reviewer, mine}} {
		go func() {
			_, err := s.Authoring.Save(ctx, c.a, authoring.Scenario, id, now.Revision, c.files)
			errs <- err
		}()
	}
	one, two := <-errs, <-errs
	if (one == nil) == (two == nil) || !errors.Is(errors.Join(one, two), authoring.ErrStale) {
		t.Errorf("two saves at once from revision %d: %v and %v, want one saved and one ErrStale", now.Revision, one, two)
	}
	if it, err := s.Authoring.Get(ctx, x.trainer, authoring.Scenario, id); err != nil || it.Revision != now.Revision+1 {
		t.Errorf("after two saves at once the draft is at revision %d (%v), want %d", it.Revision, err, now.Revision+1)
	}
}

// TestAttemptsStayOnTheirVersion: a learner's attempt started on version
// 1 of an organisation's scenario finishes on version 1, by version 1's
// graph, after the trainer publishes version 2; a new attempt is on
// version 2.
func TestAttemptsStayOnTheirVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStudio(t)
	svc, learn := s.Authoring, s.Learning
	x := s.team(t, "Cedar")
	const sc, course = "night-shift", "handover-practice"
	create(t, svc, x.trainer, authoring.Scenario, sc, map[string]string{sc + ".yaml": branching(sc, "They say it keeps happening.", "good-ending")})
	v1 := publish(t, svc, x.trainer, authoring.Scenario, sc)
	create(t, svc, x.trainer, authoring.Module, course, nil)
	if _, err := svc.Save(ctx, x.trainer, authoring.Module, course, 1, courseUsing(t, svc, x.trainer, course, sc)); err != nil {
		t.Fatal(err)
	}
	publish(t, svc, x.trainer, authoring.Module, course)

	served, err := learn.Served(ctx, x.learner)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := served.Module(course)
	if !ok || m.Owner != x.org.ID.String() {
		t.Fatalf("the learner is not served the organisation's course (%v)", m)
	}
	step := m.Steps[1]
	if step.Kind != content.ScenarioStep || step.Scenario.Version != v1 {
		t.Fatalf("step 2 is %s of version %q, want the scenario at %q", step.Kind, step.Scenario.Version, v1)
	}
	if _, err := learn.Start(ctx, x.learner, course, false); err != nil {
		t.Fatal(err)
	}
	play, err := learn.StartScenario(ctx, x.learner, course, step.Index)
	if err != nil {
		t.Fatal(err)
	}
	attempt := play.Attempt.ID
	if play, err = learn.Choose(ctx, x.learner, course, step.Index, attempt, 0, 1); err != nil || play.Node.ID != "middle" {
		t.Fatalf("first choice: at %v, %v", play.Node, err)
	}

	// The trainer changes where the middle choice leads, and publishes.
	files := map[string]string{sc + ".yaml": branching(sc, "They say it has happened before.", "mixed-ending")}
	if _, err := svc.Save(ctx, x.trainer, authoring.Scenario, sc, 2, files); err != nil {
		t.Fatal(err)
	}
	v2 := publish(t, svc, x.trainer, authoring.Scenario, sc)
	if v2 == v1 {
		t.Fatal("the edit did not change the version")
	}
	if served, err = learn.Served(ctx, x.learner); err != nil {
		t.Fatal(err)
	}
	if m, _ := served.Module(course); m == nil || m.Steps[1].Scenario.Version != v2 {
		t.Fatalf("after publishing, the course is served with %v", m)
	}

	play, err = learn.Choose(ctx, x.learner, course, step.Index, attempt, 1, 1)
	if err != nil {
		t.Fatalf("the second choice in the attempt on version 1: %v", err)
	}
	if play.Attempt.ScenarioVersion != v1 || play.Scenario.Version != v1 || !play.Outdated {
		t.Errorf("the attempt moved: attempt version %q, played on %q, outdated %v; want %q", play.Attempt.ScenarioVersion, play.Scenario.Version, play.Outdated, v1)
	}
	if play.State.Outcome != content.Positive || play.Node.ID != "good-ending" {
		t.Errorf("the attempt on version 1 ended %q at %q, want version 1's positive ending", play.State.Outcome, play.Node.ID)
	}
	if !strings.Contains(string(play.Path[1].Node.HTML), "They say it keeps happening.") {
		t.Errorf("the attempt's review shows %q, not version 1's text", play.Path[1].Node.HTML)
	}

	again, err := learn.StartScenario(ctx, x.learner, course, step.Index)
	if err != nil {
		t.Fatal(err)
	}
	if again.Attempt.ScenarioVersion != v2 || again.Outdated {
		t.Fatalf("a new attempt is on %q (outdated %v), want %q", again.Attempt.ScenarioVersion, again.Outdated, v2)
	}
	for seq := range 2 {
		if again, err = learn.Choose(ctx, x.learner, course, step.Index, again.Attempt.ID, seq, 1); err != nil {
			t.Fatal(err)
		}
	}
	if again.State.Outcome != content.Mixed {
		t.Errorf("the new attempt ended %q, want version 2's mixed ending", again.State.Outcome)
	}
}

// TestIsolation: nothing one organisation authors reaches another's
// learners or trainers.
func TestIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStudio(t)
	svc := s.Authoring
	a, b := s.team(t, "Aspen"), s.team(t, "Beech")
	const sc, course = "aspen-scenario", "aspen-course"
	create(t, svc, a.trainer, authoring.Scenario, sc, nil)
	publish(t, svc, a.trainer, authoring.Scenario, sc)
	create(t, svc, a.trainer, authoring.Module, course, nil)
	if _, err := svc.Save(ctx, a.trainer, authoring.Module, course, 1, courseUsing(t, svc, a.trainer, course, sc)); err != nil {
		t.Fatal(err)
	}
	publish(t, svc, a.trainer, authoring.Module, course)
	before, err := svc.Get(ctx, a.trainer, authoring.Scenario, sc)
	if err != nil {
		t.Fatal(err)
	}

	for _, who := range []struct {
		name string
		l    org.Actor
		sees bool
	}{{"A's learner", a.learner, true}, {"B's learner", b.learner, false}} {
		served, err := s.Learning.Served(ctx, who.l)
		if err != nil {
			t.Fatal(err)
		}
		_, hasModule := served.Module(course)
		_, hasScenario := served.Scenario(sc)
		cards, err := s.Learning.Catalogue(ctx, who.l, "")
		if err != nil {
			t.Fatal(err)
		}
		onCard := slices.ContainsFunc(cards, func(c learning.Card) bool { return c.Module.ID == course })
		if hasModule != who.sees || hasScenario != who.sees || onCard != who.sees {
			t.Errorf("%s: served the module %v, the scenario %v, a card %v; want %v", who.name, hasModule, hasScenario, onCard, who.sees)
		}
	}
	if _, err := s.Learning.Start(ctx, b.learner, course, false); !errors.Is(err, learning.ErrNotFound) {
		t.Errorf("B's learner starting A's course: %v, want not found", err)
	}

	files := map[string]string{sc + ".yaml": before.Files[sc+".yaml"] + "\n# beech was here\n"}
	for _, c := range []struct {
		name string
		kind string
		call func(kind, id string) error
	}{
		{"Get", authoring.Scenario, func(kind, id string) error { _, err := svc.Get(ctx, b.trainer, kind, id); return err }},
		{"Save", authoring.Scenario, func(kind, id string) error { _, err := svc.Save(ctx, b.trainer, kind, id, 1, files); return err }},
		{"Approve", authoring.Scenario, func(kind, id string) error { return svc.Approve(ctx, b.trainer, kind, id, 1) }},
		{"Publish", authoring.Scenario, func(kind, id string) error {
			_, _, err := svc.Publish(ctx, b.trainer, kind, id, 1, "mine now")
			return err
		}},
		{"History", authoring.Scenario, func(kind, id string) error { _, err := svc.History(ctx, b.trainer, kind, id); return err }},
		{"Diff", authoring.Scenario, func(kind, id string) error {
			_, err := svc.Diff(ctx, b.trainer, kind, id, authoring.Draft, before.PublishedVersion)
			return err
		}},
		{"Unpublish scenario", authoring.Scenario, func(kind, id string) error { return svc.Unpublish(ctx, b.trainer, kind, id) }},
		{"Unpublish module", authoring.Module, func(kind, id string) error { return svc.Unpublish(ctx, b.trainer, kind, id) }},
		{"Get module", authoring.Module, func(kind, id string) error { _, err := svc.Get(ctx, b.trainer, kind, id); return err }},
	} {
		id := sc
		if c.kind == authoring.Module {
			id = course
		}
		if err := c.call(c.kind, id); !errors.Is(err, authoring.ErrNotFound) {
			t.Errorf("B's trainer, %s of A's %s: %v, want ErrNotFound", c.name, id, err)
		}
	}
	if items, err := svc.List(ctx, b.trainer, authoring.Scenario); err != nil || len(items) != 0 {
		t.Errorf("B's trainer lists %v (%v)", items, err)
	}
	after, err := svc.Get(ctx, a.trainer, authoring.Scenario, sc)
	if err != nil || after.Revision != before.Revision || after.PublishedVersion != before.PublishedVersion || !maps.Equal(after.Files, before.Files) {
		t.Errorf("A's draft changed: revision %d→%d, published %q→%q (%v)", before.Revision, after.Revision, before.PublishedVersion, after.PublishedVersion, err)
	}
	if h, err := svc.History(ctx, a.trainer, authoring.Scenario, sc); err != nil || len(h) != 1 {
		t.Errorf("A's history %v %v", h, err)
	}
	if served, err := s.Learning.Served(ctx, a.learner); err != nil {
		t.Fatal(err)
	} else if _, ok := served.Module(course); !ok {
		t.Error("A's learner lost the course")
	}
}

// TestSameIDInTwoOrganisations: two organisations may copy the same library
// scenario to the same id and publish it unchanged; the versions differ
// (each is sealed with its owner) and each organisation's learners play
// their own.
func TestSameIDInTwoOrganisations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStudio(t)
	svc := s.Authoring
	const from, sc, course = "mispronounced-name", "name-practice", "names-matter"
	teams := []team{s.team(t, "Aspen"), s.team(t, "Beech")}
	versions := map[uuid.UUID]string{}
	for _, x := range teams {
		if _, err := svc.Copy(ctx, x.trainer, authoring.Scenario, from, sc); err != nil {
			t.Fatal(err)
		}
		versions[x.org.ID] = publish(t, svc, x.trainer, authoring.Scenario, sc)
		create(t, svc, x.trainer, authoring.Module, course, nil)
		if _, err := svc.Save(ctx, x.trainer, authoring.Module, course, 1, courseUsing(t, svc, x.trainer, course, sc)); err != nil {
			t.Fatal(err)
		}
		publish(t, svc, x.trainer, authoring.Module, course)
	}
	va, vb := versions[teams[0].org.ID], versions[teams[1].org.ID]
	if va == vb {
		t.Fatalf("both organisations published %s as %q", sc, va)
	}
	if n := s.versionRows(t, store.KindScenario, sc); n != 2 {
		t.Errorf("%d content versions of %s, want one per organisation", n, sc)
	}
	for _, x := range teams {
		p, err := s.Learning.Start(ctx, x.learner, course, false)
		if err != nil {
			t.Fatal(err)
		}
		step := p.Steps[1].Step
		play, err := s.Learning.StartScenario(ctx, x.learner, course, step.Index)
		if err != nil {
			t.Fatal(err)
		}
		if play.Attempt.ScenarioVersion != versions[x.org.ID] || play.Scenario.Owner != x.org.ID.String() {
			t.Errorf("%s's learner plays %s@%s owned by %q, want their own %q", x.org.Name, sc, play.Attempt.ScenarioVersion, play.Scenario.Owner, versions[x.org.ID])
		}
		for seq, choice := range learning.PathTo(play.Scenario, content.Positive) {
			if play, err = s.Learning.Choose(ctx, x.learner, course, step.Index, play.Attempt.ID, seq, choice); err != nil {
				t.Fatal(err)
			}
		}
		if play.State.Outcome != content.Positive || play.Attempt.ScenarioVersion != versions[x.org.ID] {
			t.Errorf("%s's learner ended %q on %q", x.org.Name, play.State.Outcome, play.Attempt.ScenarioVersion)
		}
	}
}

func TestCopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStudio(t)
	svc := s.Authoring
	x := s.team(t, "Hazel")
	lib := svc.Library()

	for _, c := range []struct {
		kind, from, id string
	}{
		{authoring.Scenario, "mispronounced-name", "name-copy"},
		{authoring.Module, "microaggressions", "micro-copy"},
	} {
		r, err := svc.Copy(ctx, x.trainer, c.kind, c.from, c.id)
		if err != nil {
			t.Fatalf("copy %s %s: %v", c.kind, c.from, err)
		}
		libFiles, err := svc.LibraryFiles(c.kind, c.from)
		if err != nil {
			t.Fatal(err)
		}
		it, err := svc.Get(ctx, x.trainer, c.kind, c.id)
		if err != nil {
			t.Fatal(err)
		}
		main := it.Files[it.MainFile()]
		if len(it.Problems) > 0 || it.Version == "" {
			t.Errorf("the copy of %s has problems: %v", c.from, it.Problems)
		}
		if len(it.Files) != len(libFiles) || r.Revision != 1 {
			t.Errorf("the copy of %s has %d files at revision %d; the library's has %d", c.from, len(it.Files), r.Revision, len(libFiles))
		}
		if !strings.Contains(main, "\nid: "+c.id+"\n") && !strings.HasPrefix(main, "id: "+c.id+"\n") || strings.Contains(main, "id: "+c.from) {
			t.Errorf("the copy's id line is not renamed:\n%.300s", main)
		}
		if c.kind == authoring.Scenario {
			if libSc, _ := lib.Scenario(c.from); it.Scenario == nil || it.Scenario.Title != libSc.Title {
				t.Errorf("the copy loads as %v", it.Scenario)
			}
		} else if libM, _ := lib.Module(c.from); it.Module == nil || len(it.Module.Steps) != len(libM.Steps) {
			t.Errorf("the copy loads as %v", it.Module)
		}
	}

	for _, c := range []struct {
		name, kind, from, id string
		kindWant             fault.Kind
		field                string
	}{
		{"to a library scenario's id", authoring.Scenario, "mispronounced-name", "just-mediate", fault.Invalid, "id"},
		{"to a library module's id", authoring.Module, "microaggressions", "handling-disclosures", fault.Invalid, "id"},
		{"to an id the organisation uses", authoring.Scenario, "just-mediate", "name-copy", fault.Invalid, "id"},
		{"to an id that is not a slug", authoring.Scenario, "just-mediate", "Just Mediate", fault.Invalid, "id"},
		{"from no such scenario", authoring.Scenario, "no-such-scenario", "fresh", fault.NotFound, ""},
		{"a module as a scenario", authoring.Scenario, "microaggressions", "fresh", fault.NotFound, ""},
	} {
		_, err := svc.Copy(ctx, x.trainer, c.kind, c.from, c.id)
		if err == nil {
			t.Errorf("copy %s: allowed", c.name)
			continue
		}
		f, _ := fault.As(err)
		if f == nil || f.Kind != c.kindWant || f.Field != c.field {
			t.Errorf("copy %s: %v, want a %v fault on %q", c.name, err, c.kindWant, c.field)
		}
	}
	if items, err := svc.List(ctx, x.trainer, authoring.Scenario); err != nil || len(items) != 1 {
		t.Errorf("after the refused copies the organisation has %d scenarios (%v)", len(items), err)
	}

	// A scenario a published course uses cannot be unpublished; once the
	// course is unpublished, it can.
	const course = "uses-copy"
	publish(t, svc, x.trainer, authoring.Scenario, "name-copy")
	create(t, svc, x.trainer, authoring.Module, course, nil)
	if _, err := svc.Save(ctx, x.trainer, authoring.Module, course, 1, courseUsing(t, svc, x.trainer, course, "name-copy")); err != nil {
		t.Fatal(err)
	}
	publish(t, svc, x.trainer, authoring.Module, course)
	err := svc.Unpublish(ctx, x.trainer, authoring.Scenario, "name-copy")
	wantFault(t, err, fault.Conflict, "")
	if it, _ := svc.Get(ctx, x.trainer, authoring.Scenario, "name-copy"); !it.Published() {
		t.Error("the refused unpublish unpublished the scenario")
	}
	if err := svc.Unpublish(ctx, x.trainer, authoring.Module, course); err != nil {
		t.Fatal(err)
	}
	if err := svc.Unpublish(ctx, x.trainer, authoring.Scenario, "name-copy"); err != nil {
		t.Fatalf("unpublish once the course is unpublished: %v", err)
	}
	served, err := s.Learning.Served(ctx, x.learner)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := served.Module(course); ok {
		t.Error("the unpublished course is still served")
	}
	if es := audit(t, x.trainer, org.ContentUnpublish); len(es) != 2 {
		t.Errorf("%d unpublish audit entries, want 2", len(es))
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStudio(t)
	svc := s.Authoring
	x := s.team(t, "Larch")
	const sc, course = "small", "course"
	create(t, svc, x.trainer, authoring.Scenario, sc, nil)
	create(t, svc, x.trainer, authoring.Module, course, nil)
	scenarioFile := func(text string) map[string]string { return map[string]string{sc + ".yaml": text} }
	moduleFiles := func(name, text string) map[string]string {
		it, err := svc.Get(ctx, x.trainer, authoring.Module, course)
		if err != nil {
			t.Fatal(err)
		}
		files := maps.Clone(it.Files)
		files[name] = text
		return files
	}
	huge := "# " + strings.Repeat("x", 2<<20) + "\n"
	// The billion laughs: ten levels of aliases, each ten of the last.
	var bomb strings.Builder
	bomb.WriteString("id: small\ntitle: Laughs\na0: &a0 [\"lol\"]\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&bomb, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	var many strings.Builder
	many.WriteString("id: small\ntitle: Many\nstart: n0\nnodes:\n")
	for i := range content.MaxNodes + 1 {
		fmt.Fprintf(&many, "  n%d:\n    ending: mixed\n    text: Node %d.\n", i, i)
	}

	for _, c := range []struct {
		name  string
		kind  string
		id    string
		files map[string]string
		want  fault.Kind
		field string
	}{
		{"a 2 MiB scenario", authoring.Scenario, sc, scenarioFile(huge), fault.Invalid, "source"},
		{"a YAML alias bomb", authoring.Scenario, sc, scenarioFile(bomb.String()), fault.Invalid, "source"},
		{"a 501-node scenario", authoring.Scenario, sc, scenarioFile(many.String()), fault.Invalid, "source"},
		{"a 2 MiB lesson", authoring.Module, course, moduleFiles("02-more.md", huge), fault.Invalid, "source"},
		{"a lesson outside the module", authoring.Module, course, moduleFiles("../x.md", "# x\n"), fault.Invalid, "name"},
		{"a lesson in a folder", authoring.Module, course, moduleFiles("a/b.md", "# x\n"), fault.Invalid, "name"},
		{"a file that is not a lesson", authoring.Module, course, moduleFiles("notes.txt", "x"), fault.Invalid, "name"},
		{"a second scenario file", authoring.Scenario, sc, map[string]string{sc + ".yaml": "id: small\n", "other.yaml": "id: other\n"}, fault.Invalid, "name"},
		{"a scenario under another name", authoring.Scenario, sc, map[string]string{"../small.yaml": "id: small\n"}, fault.Invalid, "name"},
		{"no files", authoring.Scenario, sc, map[string]string{}, fault.Invalid, "source"},
		{"a module with no files", authoring.Module, course, nil, fault.Invalid, "source"},
		{"another kind", "quiz", sc, scenarioFile("id: small\n"), fault.NotFound, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, err := svc.Get(ctx, x.trainer, c.kind, c.id)
			if c.want == fault.NotFound {
				if !errors.Is(err, authoring.ErrNotFound) {
					t.Fatalf("get: %v, want ErrNotFound", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			_, err = svc.Save(ctx, x.trainer, c.kind, c.id, before.Revision, c.files)
			wantFault(t, err, c.want, c.field)
			if f, _ := fault.As(err); strings.Contains(c.name, "alias") && !strings.Contains(f.Msg, "YAML aliases (*name) are not supported") ||
				strings.Contains(c.name, "501") && !strings.Contains(f.Msg, "501 nodes, over the limit of 500") {
				t.Errorf("the refusal says %q", f.Msg)
			}
			if c.want == fault.NotFound {
				return
			}
			after, err := svc.Get(ctx, x.trainer, c.kind, c.id)
			if err != nil || after.Revision != before.Revision || !maps.Equal(after.Files, before.Files) {
				t.Errorf("the refused save changed the draft: revision %d→%d (%v)", before.Revision, after.Revision, err)
			}
		})
	}

	t.Run("a 2 MiB import", func(t *testing.T) {
		_, err := svc.Import(ctx, x.trainer, "imported", "imported", []byte(huge), "story.twee")
		wantFault(t, err, fault.Invalid, "source")
		if _, err := svc.Get(ctx, x.trainer, authoring.Scenario, "imported"); !errors.Is(err, authoring.ErrNotFound) {
			t.Errorf("the refused import was saved: %v", err)
		}
	})

	t.Run("kinds other than scenario and module", func(t *testing.T) {
		for _, kind := range []string{"quiz", "", "Scenario", "modules"} {
			calls := map[string]error{}
			_, calls["List"] = svc.List(ctx, x.trainer, kind)
			_, calls["Get"] = svc.Get(ctx, x.trainer, kind, sc)
			_, calls["Check"] = svc.Check(ctx, x.trainer, kind, sc, scenarioFile("id: small\n"))
			_, calls["Create"] = svc.Create(ctx, x.trainer, kind, "fresh", "Fresh")
			_, calls["Copy"] = svc.Copy(ctx, x.trainer, kind, "just-mediate", "fresh")
			_, calls["Save"] = svc.Save(ctx, x.trainer, kind, sc, 1, scenarioFile("id: small\n"))
			calls["Approve"] = svc.Approve(ctx, x.reviewer, kind, sc, 1)
			_, _, calls["Publish"] = svc.Publish(ctx, x.trainer, kind, sc, 1, "note")
			calls["Unpublish"] = svc.Unpublish(ctx, x.trainer, kind, sc)
			_, calls["History"] = svc.History(ctx, x.trainer, kind, sc)
			_, calls["Diff"] = svc.Diff(ctx, x.trainer, kind, sc, authoring.Draft, authoring.Draft)
			_, calls["LibraryFiles"] = svc.LibraryFiles(kind, "just-mediate")
			for name, err := range calls {
				if !errors.Is(err, authoring.ErrNotFound) {
					t.Errorf("%s of kind %q: %v, want ErrNotFound", name, kind, err)
				}
			}
		}
	})
}
