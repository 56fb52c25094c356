package org_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// TestLargeOrganisationSnapshots: an organisation large enough (here every
// one, by the option) gets its trend from a snapshot: the same figures as
// worked out live at first, the snapshot's figures and time while it is
// fresh, however the history changes, and a stale one served while a fresh
// one is worked out in the background. A manager's view never shares the
// admin's snapshot, and a small organisation (the default threshold) is
// always worked out live.
func TestLargeOrganisationSnapshots(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 77)
	modules := w.cat.Modules[:3]
	var versions []store.ContentVersion
	for _, m := range modules {
		versions = append(versions, catalogue.ModuleVersion(m))
	}
	if _, err := w.s.Store.Global().RecordContentVersions(w.ctx, day(-1000), versions); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(day(120))
	snapped := org.NewCoverage(w.s.Store, w.s.Catalogues, w.clock.Now, org.WithSnapshots(1, time.Hour))
	live := w.s.Coverage

	trend := func(c *org.Coverage, a org.Actor, f org.TrendFilter) org.Trend {
		t.Helper()
		tr, err := c.Trend(w.ctx, a, f)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	same := func(what string, got, want org.Trend) {
		t.Helper()
		if !reflect.DeepEqual(got.Lines, want.Lines) || !reflect.DeepEqual(got.Courses, want.Courses) || len(got.Weeks) != len(want.Weeks) {
			t.Fatalf("%s: the snapshot's figures differ from the live ones:\n%+v\n%+v", what, got.Lines, want.Lines)
		}
		for i := range got.Weeks {
			if !got.Weeks[i].At.Equal(want.Weeks[i].At) {
				t.Fatalf("%s: week %d at %v, want %v", what, i, got.Weeks[i].At, want.Weeks[i].At)
			}
		}
	}
	covered := func(tr org.Trend) (n int) {
		for _, l := range tr.Lines {
			n += l.Last().Covered
		}
		return n
	}

	first := trend(snapped, w.admin, org.TrendFilter{})
	if !first.AsOf.IsZero() {
		t.Fatalf("the first view is worked out, but says it is as of %v", first.AsOf)
	}
	same("first view", first, trend(live, w.admin, org.TrendFilter{}))
	if lv := trend(live, w.admin, org.TrendFilter{}); !lv.AsOf.IsZero() {
		t.Fatalf("a small organisation's trend came from a snapshot of %v", lv.AsOf)
	}
	computed := w.clock.Now()

	// Everyone completes every course: the live trend moves, the snapshot
	// holds while fresh, and says when it is from.
	for _, p := range w.people {
		for _, m := range modules {
			w.complete(t, p, m, day(119), false)
		}
	}
	w.clock.Set(day(120).Add(30 * time.Minute))
	now := trend(live, w.admin, org.TrendFilter{})
	if covered(now) <= covered(first) {
		t.Fatalf("completing everything moved nothing: %d covered, %d before", covered(now), covered(first))
	}
	held := trend(snapped, w.admin, org.TrendFilter{})
	if !held.AsOf.Equal(computed) {
		t.Errorf("the snapshot says it is as of %v, want %v", held.AsOf, computed)
	}
	same("fresh snapshot", held, first)

	// A manager's view is worked out for their teams, not taken from the
	// admin's.
	boss := w.person(t, "Snapshot Boss", ids(w.teams[0]), nil)
	if err := live.SetManager(w.ctx, w.admin, w.teams[0].ID, boss.ID, true); err != nil {
		t.Fatal(err)
	}
	manager := org.ActorFor(w.s.Store, boss, "")
	same("manager", trend(snapped, manager, org.TrendFilter{}), trend(live, manager, org.TrendFilter{}))
	// So is a filtered one.
	one := org.TrendFilter{Module: modules[0].ID}
	same("one course", trend(snapped, w.admin, one), trend(live, w.admin, one))

	// Past its age, the stale snapshot is still served, and a fresh one is
	// worked out in the background.
	w.clock.Set(day(120).Add(2 * time.Hour))
	stale := trend(snapped, w.admin, org.TrendFilter{})
	if !stale.AsOf.Equal(computed) {
		t.Errorf("the stale snapshot says it is as of %v, want %v", stale.AsOf, computed)
	}
	waitFor(t, "the background refresh", func() bool {
		s, err := w.admin.Org.Snapshot(w.ctx, store.SnapshotTrend, "teams=*")
		return err == nil && s.ComputedAt.Equal(w.clock.Now())
	})
	fresh := trend(snapped, w.admin, org.TrendFilter{})
	same("refreshed", fresh, trend(live, w.admin, org.TrendFilter{}))
	if !fresh.AsOf.Equal(w.clock.Now()) {
		t.Errorf("the refreshed snapshot says it is as of %v, want %v", fresh.AsOf, w.clock.Now())
	}
}

// waitFor waits until cond holds, checking every few milliseconds, for at
// most a minute (a bound on one background step, not a timing).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still waiting after a minute", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
