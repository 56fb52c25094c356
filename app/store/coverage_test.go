package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/store"
)

// TestMembershipKeepsItsJoinDate: changing someone's teams keeps the join
// date of the teams they stay in (requirements fall due from it) and
// dates a new team from the change.
func TestMembershipKeepsItsJoinDate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	app, owner := dbtest.NewWithAdmin(t)
	st := store.New(app)
	p := learner(t, st, "joins")
	o := st.Org(p.OrgID)
	a, err := o.CreateGroup(ctx, store.Teams, "Ward A")
	if err != nil {
		t.Fatal(err)
	}
	b, err := o.CreateGroup(ctx, store.Teams, "Ward B")
	if err != nil {
		t.Fatal(err)
	}
	joined := func() map[uuid.UUID]time.Time {
		t.Helper()
		var rows []struct {
			TeamID   uuid.UUID `bun:"team_id"`
			JoinedAt time.Time `bun:"joined_at"`
		}
		if err := owner.NewRaw("SELECT team_id, joined_at FROM team_members WHERE person_id = ?", p.ID).Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		out := map[uuid.UUID]time.Time{}
		for _, r := range rows {
			out[r.TeamID] = r.JoinedAt
		}
		return out
	}
	if err := o.SetGroups(ctx, store.Teams, p.ID, []uuid.UUID{a.ID}); err != nil {
		t.Fatal(err)
	}
	first := joined()[a.ID]
	if err := o.SetGroups(ctx, store.Teams, p.ID, []uuid.UUID{a.ID, b.ID}); err != nil {
		t.Fatal(err)
	}
	then := joined()
	if !then[a.ID].Equal(first) || !then[b.ID].After(first) {
		t.Errorf("after joining B: A joined %v (was %v), B %v", then[a.ID], first, then[b.ID])
	}
	if err := o.SetGroups(ctx, store.Teams, p.ID, []uuid.UUID{b.ID}); err != nil {
		t.Fatal(err)
	}
	if now := joined(); len(now) != 1 || !now[b.ID].Equal(then[b.ID]) {
		t.Errorf("after leaving A: %v", now)
	}
	if err := o.SetGroups(ctx, store.Teams, p.ID, nil); err != nil {
		t.Fatal(err)
	}
	if now := joined(); len(now) != 0 {
		t.Errorf("after leaving every team: %v", now)
	}
}

// TestGroupNamesInTheDatabasesOrder: GroupNames, which sorts in Go, puts
// teams and labels in the order the database's ORDER BY lower(name), id
// gives (Groups sorts there), for names that differ in case, digits,
// punctuation and letters beyond ASCII.
func TestGroupNamesInTheDatabasesOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	o := st.Org(learner(t, st, "sorts").OrgID)
	for _, k := range []store.GroupKind{store.Teams, store.Labels} {
		for _, name := range []string{"Ward 2", "ward 10", "Ärzte", "acute", "Zeta", "_first", "Östra", "émile", "Éa", "a b", "a-b", "ab", "Ward 1", "ÿ", "ß team"} {
			if _, err := o.CreateGroup(ctx, k, name); err != nil {
				t.Fatal(err)
			}
		}
		sorted, err := o.Groups(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		named, err := o.GroupNames(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for _, g := range sorted {
			want = append(want, g.Name)
		}
		for _, g := range named {
			got = append(got, g.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: GroupNames gives %q, the database %q", k.Noun, got, want)
		}
	}
}
