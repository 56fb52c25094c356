package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/store"
)

// rows turns the repository's catalogue into store rows, as serve does.
func rows(t *testing.T) ([]store.ContentVersion, *content.Catalogue) {
	t.Helper()
	cat, err := content.Load(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.ContentVersion
	for _, s := range cat.Scenarios {
		out = append(out, store.ContentVersion{Kind: store.KindScenario, ID: s.ID, Version: s.Version, Canonical: s.Canonical})
	}
	for _, m := range cat.Modules {
		out = append(out, store.ContentVersion{Kind: store.KindModule, ID: m.ID, Version: m.Version, Canonical: m.Canonical})
	}
	return out, cat
}

func TestRecordContentVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	all, cat := rows(t)
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

	n, err := st.Global().RecordContentVersions(ctx, t0, all)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(all) {
		t.Fatalf("first start recorded %d versions, want %d", n, len(all))
	}
	// A restart with the same content writes nothing.
	if n, err := st.Global().RecordContentVersions(ctx, t0.Add(time.Hour), all); err != nil || n != 0 {
		t.Fatalf("second start recorded %d (%v), want 0", n, err)
	}

	// An edited scenario is one new row; the old version stays.
	s := cat.Scenarios[0]
	edited := store.ContentVersion{Kind: store.KindScenario, ID: s.ID, Version: "edited0000000000", Canonical: json.RawMessage(`{"id":"` + s.ID + `"}`)}
	if n, err := st.Global().RecordContentVersions(ctx, t0.Add(2*time.Hour), append(all, edited)); err != nil || n != 1 {
		t.Fatalf("recording an edit: %d (%v), want 1", n, err)
	}

	got, err := st.Global().ContentVersion(ctx, store.KindScenario, s.ID, s.Version)
	if err != nil {
		t.Fatal(err)
	}
	if !got.FirstSeenAt.Equal(t0) {
		t.Fatalf("first seen %v, want %v (not moved by later starts)", got.FirstSeenAt, t0)
	}
	// jsonb keeps the content, not the bytes: the stored canonical form
	// reloads as the very same version.
	again, errs := content.ParseScenario(s.Path, got.Canonical)
	if errs != nil || again.Version != s.Version {
		t.Fatalf("stored canonical content reloads as %v: %v", again, errs)
	}

	if _, err := st.Global().ContentVersion(ctx, store.KindModule, s.ID, s.Version); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("wrong kind: %v, want ErrNotFound", err)
	}
	if _, err := st.Global().ContentVersion(ctx, store.KindScenario, s.ID, "0000000000000000"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown version: %v, want ErrNotFound", err)
	}
	if n, err := st.Global().RecordContentVersions(ctx, t0, nil); err != nil || n != 0 {
		t.Fatalf("nothing to record: %d %v", n, err)
	}
}
