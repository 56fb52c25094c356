package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/store"
)

// TestOwnedContentVersions: an organisation's own content versions are
// stored through its handle and read by no other organisation's, while
// the library's (no owner) are everyone's; the Global surface reads both
// by exact id and hash, as rebuilding an attempt's version does.
func TestOwnedContentVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	orgs := [2]store.Organisation{}
	for i, name := range []string{"Aspen", "Beech"} {
		var err error
		if orgs[i], err = st.Global().CreateOrganisation(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	a, b := orgs[0].ID, orgs[1].ID
	canonical := json.RawMessage(`{"id": "ours"}`)
	owned := store.ContentVersion{Kind: store.KindScenario, ID: "ours", Version: "aaaa000000000001", Canonical: canonical, OrgID: a}
	library := store.ContentVersion{Kind: store.KindScenario, ID: "shared", Version: "bbbb000000000001", Canonical: canonical}
	if err := st.Org(a).RecordContentVersions(ctx, now, []store.ContentVersion{owned, library}); err != nil {
		t.Fatal(err)
	}
	// B cannot store a version as A's.
	forged := owned
	forged.Version = "aaaa000000000002"
	if err := st.Org(b).RecordContentVersions(ctx, now, []store.ContentVersion{forged}); err == nil {
		t.Error("B's handle stored a version owned by A")
	}

	// versions lists the content_versions rows a handle's transaction
	// sees, with a query that forgets to ask for its organisation.
	versions := func(id uuid.UUID) map[string]uuid.UUID {
		seen := map[string]uuid.UUID{}
		err := st.Org(id).InTx(ctx, func(tx *store.Org) error {
			var rows []store.ContentVersion
			if err := store.UnscopedForTest(tx).NewSelect().Model(&rows).Scan(ctx); err != nil {
				return err
			}
			for _, r := range rows {
				seen[r.ID+"@"+r.Version] = r.OrgID
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return seen
	}
	for _, c := range []struct {
		name string
		org  uuid.UUID
		want map[string]uuid.UUID
	}{
		{"A", a, map[string]uuid.UUID{"ours@aaaa000000000001": a, "shared@bbbb000000000001": uuid.Nil}},
		{"B", b, map[string]uuid.UUID{"shared@bbbb000000000001": uuid.Nil}},
	} {
		got := versions(c.org)
		if len(got) != len(c.want) {
			t.Errorf("%s's handle sees %v, want %v", c.name, got, c.want)
		}
		for k, v := range c.want {
			if w, ok := got[k]; !ok || w != v {
				t.Errorf("%s's handle sees %v, want %v", c.name, got, c.want)
			}
		}
	}

	for _, c := range []struct {
		row   store.ContentVersion
		found bool
	}{{owned, true}, {library, true}, {forged, false}} {
		cv, err := st.Global().ContentVersion(ctx, c.row.Kind, c.row.ID, c.row.Version)
		if found := err == nil; found != c.found || (found && cv.OrgID != c.row.OrgID) {
			t.Errorf("Global reads %s@%s: owner %v, %v; want found=%v", c.row.ID, c.row.Version, cv.OrgID, err, c.found)
		}
		if !c.found && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Global reads %s@%s: %v, want ErrNotFound", c.row.ID, c.row.Version, err)
		}
	}
}
