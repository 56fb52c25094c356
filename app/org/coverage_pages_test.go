package org_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/seed"
	"github.com/upstand/upstand/app/store"
)

// TestCoveragePagesAtSize: on a seeded organisation of 25 teams, the
// dashboard shows 10 teams a page by name (50 for one course) (the people in no team last)
// with the same totals on every page, a page past the end shows the last;
// the overdue and due-soon lists show the first 25, longest overdue and
// soonest due first, and count them all; a drill-down counts from the
// roll-up what it lists.
func TestCoveragePagesAtSize(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	cat, err := content.Load(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	s := fixture.NewServices(st, cat, time.Now)
	var versions []store.ContentVersion
	for _, m := range cat.Modules {
		versions = append(versions, store.ContentVersion{Kind: store.KindModule, ID: m.ID, Version: m.Version, Canonical: m.Canonical})
	}
	for _, sc := range cat.Scenarios {
		versions = append(versions, store.ContentVersion{Kind: store.KindScenario, ID: sc.ID, Version: sc.Version, Canonical: sc.Canonical})
	}
	if _, err := st.Global().RecordContentVersions(ctx, time.Now(), versions); err != nil {
		t.Fatal(err)
	}
	res, err := seed.Run(ctx, seed.Services{Store: st, Org: s.Org, Authoring: s.Authoring, Cats: s.Catalogues}, "Paging Trust",
		seed.Options{Learners: 200, Teams: 25, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	admin := org.Operator(st, res.Org.ID, "test")

	first, err := s.Coverage.Dashboard(ctx, admin, org.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// 25 teams and the people in no team: three pages of ten.
	pages := []org.Dashboard{first}
	for p := 2; p <= 3; p++ {
		d, err := s.Coverage.Dashboard(ctx, admin, org.Filter{Page: p})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, d)
	}
	last := pages[2]
	beyond, err := s.Coverage.Dashboard(ctx, admin, org.Filter{Page: 99})
	if err != nil {
		t.Fatal(err)
	}
	if first.Pages != 3 || first.Page != 1 || first.PerPage != org.TeamsPerPage || len(first.Rows) != org.TeamsPerPage || last.Page != 3 || beyond.Page != 3 {
		t.Fatalf("pages: first %d of %d with %d rows, last page %d, beyond page %d", first.Page, first.Pages, len(first.Rows), last.Page, beyond.Page)
	}
	// One course chosen: a bar a team, so more of them a page.
	one, err := s.Coverage.Dashboard(ctx, admin, org.Filter{Module: first.Courses[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if one.PerPage != org.OneCourseTeamsPerPage || one.Pages != 1 || len(one.Rows) != one.Teams {
		t.Errorf("one course: %d rows of %d on page 1 of %d, %d a page", len(one.Rows), one.Teams, one.Pages, one.PerPage)
	}
	var names []string
	for _, d := range pages {
		for _, r := range d.Rows {
			names = append(names, r.Name)
		}
	}
	if len(names) != first.Teams {
		t.Errorf("%d rows on the pages, %d teams", len(names), first.Teams)
	}
	teams := names
	if names[len(names)-1] == "In no team" {
		teams = names[:len(names)-1]
	}
	if !slices.IsSortedFunc(teams, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
		t.Errorf("the teams are not by name across pages: %v", names)
	}
	for _, d := range pages[1:] {
		if !sameTally(cellsOf(first.Totals), cellsOf(d.Totals)) {
			t.Errorf("the totals differ between pages 1 and %d", d.Page)
		}
	}

	// The lists of people overdue and due soon: everyone's, and a
	// team's (read in one go, then split).
	for _, team := range []*uuid.UUID{nil, first.Rows[0].TeamID} {
		o, err := s.Coverage.Overview(ctx, admin, org.Filter{Team: team})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range []struct {
			status string
			listed []store.Duty
			total  int
		}{{store.StatusOverdue, o.Overdue, o.OverdueTotal}, {store.StatusDueSoon, o.DueSoon, o.DueSoonTotal}} {
			all, err := s.Coverage.People(ctx, admin, team, "", l.status)
			if err != nil {
				t.Fatal(err)
			}
			if l.total != len(all) || len(l.listed) != min(len(all), org.ListedPeople) {
				t.Errorf("team %v, %s: %d listed of %d, want %d of %d", team, l.status, len(l.listed), l.total, min(len(all), org.ListedPeople), len(all))
			}
			date := func(d store.Duty) time.Time {
				if d.ExpiresAt != nil && d.DoneAt != nil {
					return *d.ExpiresAt
				}
				return d.DueAt
			}
			if !slices.IsSortedFunc(l.listed, func(a, b store.Duty) int { return date(a).Compare(date(b)) }) {
				t.Errorf("team %v, %s: not by date", team, l.status)
			}
			slices.SortFunc(all, func(a, b store.Duty) int { return date(a).Compare(date(b)) })
			if len(all) > org.ListedPeople && date(l.listed[len(l.listed)-1]).After(date(all[org.ListedPeople])) {
				t.Errorf("team %v, %s: the list is not the first %d", team, l.status, org.ListedPeople)
			}
			for _, d := range l.listed {
				if d.Status != l.status {
					t.Errorf("team %v: %s listed as %s", team, d.Name, d.Status)
				}
			}
		}
		if o.OverdueTotal == 0 || o.DueSoonTotal == 0 {
			t.Errorf("team %v: nobody overdue (%d) or due soon (%d) in a year of history", team, o.OverdueTotal, o.DueSoonTotal)
		}
		// Inside a caller's transaction the lists are read in it, after
		// the rest (outside, beside it): the same people either way.
		names := func(ds []store.Duty) (out []string) {
			for _, d := range ds {
				out = append(out, d.PersonID.String()+"/"+d.ModuleID)
			}
			return out
		}
		if err := admin.Org.InTx(ctx, func(tx *store.Org) error {
			in := admin
			in.Org = tx
			ot, err := s.Coverage.Overview(ctx, in, org.Filter{Team: team})
			if err != nil {
				return err
			}
			if !slices.Equal(names(ot.Overdue), names(o.Overdue)) || !slices.Equal(names(ot.DueSoon), names(o.DueSoon)) || ot.OverdueTotal != o.OverdueTotal {
				t.Errorf("team %v: in a transaction the lists differ", team)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	// A drill-down: everyone overdue in a course, and one team's.
	module := first.Courses[0].ID
	for _, cq := range []org.CellQuery{{Module: module, Status: store.StatusOverdue}, {Module: module, Team: first.Rows[0].TeamID}} {
		cell, err := s.Coverage.Cell(ctx, admin, cq)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.Coverage.People(ctx, admin, cq.Team, module, cq.Status)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range cell.People {
			got = append(got, d.PersonID.String())
		}
		var wantIDs []string
		for _, d := range want {
			wantIDs = append(wantIDs, d.PersonID.String())
		}
		if !slices.Equal(got, wantIDs) || cell.Pages != 1 {
			t.Errorf("%+v: %d people on %d pages, want %d", cq, len(got), cell.Pages, len(wantIDs))
		}
		all, err := s.Coverage.People(ctx, admin, cq.Team, module, "")
		if err != nil {
			t.Fatal(err)
		}
		if cell.Total != len(all) || (cq.Status != "" && cell.Counts.Of(cq.Status) != len(want)) {
			t.Errorf("%+v: counts %d (%v), want %d", cq, cell.Total, cell.Counts, len(all))
		}
	}
}
