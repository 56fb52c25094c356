package catalogue_test

import (
	"context"
	"testing"
	"time"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestOf follows one organisation's catalogue on two servers as its
// trainer publishes and unpublishes a scenario on the first: the first
// server (whose studio forgets its cache) sees each change at once; the
// second sees it when told to forget, or once Fresh has passed on its
// clock. Another organisation is only ever served the library.
func TestOf(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	clock := fixture.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	s := fixture.NewStudio(t, st, upstand.Files, clock.Now)
	lib := s.Catalogues.Library()
	first := s.Catalogues
	second := catalogue.New(lib, clock.Now)

	o, admin, _, err := s.Org.CreateOrganisation(ctx, "Aspen Trust", "Aspen Adminson", "admin@aspen.example")
	if err != nil {
		t.Fatal(err)
	}
	other, _, _, err := s.Org.CreateOrganisation(ctx, "Beech Trust", "Beech Adminson", "admin@beech.example")
	if err != nil {
		t.Fatal(err)
	}
	trainer := org.ActorFor(st, admin, "")
	const id = "our-scenario"
	draft, err := s.Authoring.Create(ctx, trainer, authoring.Scenario, id, "Our scenario")
	if err != nil {
		t.Fatal(err)
	}
	var version string

	// has reports whether c serves the organisation's scenario (failing
	// the test if it serves anything but the library and, at most, it).
	has := func(t *testing.T, c *catalogue.Catalogues, who store.Organisation) bool {
		t.Helper()
		cat, err := c.Of(ctx, st.Org(who.ID))
		if err != nil {
			t.Fatal(err)
		}
		sc, ok := cat.Scenario(id)
		if !ok {
			if cat != lib {
				t.Errorf("%s: with nothing published, not the library itself", who.Name)
			}
			return false
		}
		if sc.Owner != o.ID.String() || sc.Version != version || len(cat.Scenarios) != len(lib.Scenarios)+1 || len(cat.Modules) != len(lib.Modules) {
			t.Errorf("%s: serves %s@%s owned by %q with %d scenarios, want %s and the library's %d", who.Name, id, sc.Version, sc.Owner,
				len(cat.Scenarios), version, len(lib.Scenarios))
		}
		if _, ok := cat.Scenario("just-mediate"); !ok {
			t.Errorf("%s: the library's scenarios are missing", who.Name)
		}
		return true
	}
	publish := func(t *testing.T) {
		var changed bool
		version, changed, err = s.Authoring.Publish(ctx, trainer, authoring.Scenario, id, draft.Revision, "publish")
		if err != nil || !changed {
			t.Fatalf("publish: changed=%v %v", changed, err)
		}
	}
	unpublish := func(t *testing.T) {
		if err := s.Authoring.Unpublish(ctx, trainer, authoring.Scenario, id); err != nil {
			t.Fatal(err)
		}
	}

	for _, step := range []struct {
		name          string
		do            func(t *testing.T)
		first, second bool
	}{
		{"a draft, nothing published", func(*testing.T) {}, false, false},
		{"published on the first server", publish, true, false},
		{"the second server forgets", func(*testing.T) { second.Forget(o.ID) }, true, true},
		{"unpublished on the first server", unpublish, false, true},
		{"just before Fresh", func(*testing.T) { clock.Add(catalogue.Fresh - time.Microsecond) }, false, true},
		{"Fresh after the second server looked", func(*testing.T) { clock.Add(time.Microsecond) }, false, false},
		{"published again", publish, true, false},
		{"half of Fresh later", func(*testing.T) { clock.Add(catalogue.Fresh / 2) }, true, false},
		{"Fresh later", func(*testing.T) { clock.Add(catalogue.Fresh / 2) }, true, true},
		{"the clock set back an hour", func(*testing.T) { clock.Add(-time.Hour) }, true, true},
	} {
		step.do(t)
		if got := has(t, first, o); got != step.first {
			t.Errorf("%s: the first server serves the scenario: %v, want %v", step.name, got, step.first)
		}
		if got := has(t, second, o); got != step.second {
			t.Errorf("%s: the second server serves the scenario: %v, want %v", step.name, got, step.second)
		}
		for _, c := range []*catalogue.Catalogues{first, second} {
			if has(t, c, other) {
				t.Errorf("%s: another organisation is served the scenario", step.name)
			}
		}
	}
}

// TestOver checks an organisation's content over the library: its
// versions are sealed with the owner, and the library's ids are refused.
func TestOver(t *testing.T) {
	t.Parallel()
	lib, err := content.Load(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	text, err := upstand.Files.ReadFile("scenarios/just-mediate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	libSc, _ := lib.Scenario("just-mediate")
	owners := [2]store.Organisation{}
	for i := range owners {
		owners[i].ID[0] = byte(i + 1)
	}
	renamed := []byte("id: our-mediation" + string(text[len("id: just-mediate"):]))
	for _, c := range []struct {
		name  string
		items []store.AuthoredVersion
		ok    bool
	}{
		{"a copy under a new id", []store.AuthoredVersion{{Kind: store.KindScenario, ID: "our-mediation", Files: map[string]string{"our-mediation.yaml": string(renamed)}}}, true},
		{"a library id", []store.AuthoredVersion{{Kind: store.KindScenario, ID: "just-mediate", Files: map[string]string{"just-mediate.yaml": string(text)}}}, false},
		{"nothing", nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var versions [2]string
			for i, o := range owners {
				cat, sum := catalogue.Over(lib, c.items, o.ID)
				if (len(sum.Errors) == 0) != c.ok || (cat != nil) != c.ok {
					t.Fatalf("Over: %v, want ok=%v", sum.Errors, c.ok)
				}
				if !c.ok {
					return
				}
				if sc, _ := cat.Scenario("just-mediate"); sc != libSc {
					t.Error("the library's scenario is not the library's")
				}
				if len(c.items) == 0 {
					continue
				}
				sc, ok := cat.Scenario("our-mediation")
				if !ok || sc.Owner != o.ID.String() || sc.Version == libSc.Version {
					t.Fatalf("the copy loads as %v", sc)
				}
				if row := catalogue.ScenarioVersion(sc); row.OrgID != o.ID || row.Version != sc.Version {
					t.Errorf("its content version row %+v", row)
				}
				versions[i] = sc.Version
			}
			if len(c.items) > 0 && versions[0] == versions[1] {
				t.Errorf("two owners got the same version %q", versions[0])
			}
		})
	}
	if row := catalogue.ScenarioVersion(libSc); row.OrgID != [16]byte{} {
		t.Errorf("a library version's row names an owner: %v", row.OrgID)
	}
}
