package db_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/store"
)

// TestBackupAndRestore is docs/operations.md's backup and restore, done:
// pg_dump in its custom format of a database with two organisations'
// records, run as the administrative user (as the owning role it is
// refused: row-level security binds the owner too, and pg_dump will not
// dump a table a policy would filter); pg_restore into an empty database;
// then the restored database is at the current schema, holds the same
// rows, and still walls each organisation off.
func TestBackupAndRestore(t *testing.T) {
	t.Parallel()
	bin, err := db.FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	// pg_dump and pg_restore sit beside the real initdb (PATH may hold a
	// link to it alone).
	if real, err := filepath.EvalSymlinks(filepath.Join(bin, "initdb")); err == nil {
		bin = filepath.Dir(real)
	}
	ctx := context.Background()
	source := dbtest.URL(t)
	app, err := db.Open(ctx, source, db.AsApp())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	cat, err := content.Load(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	s := fixture.NewServices(store.New(app), cat, fixture.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)).Now)
	a := fixture.NewTenant(t, s, "Alder")
	b := fixture.NewTenant(t, s, "Birch")

	dump := filepath.Join(t.TempDir(), "upstand.dump")
	run := func(name string, args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, filepath.Join(bin, name), args...).CombinedOutput()
		return string(out), err
	}
	if out, err := run("pg_dump", "--format=custom", "--file="+dump, "--dbname="+source); err == nil || !strings.Contains(out, "row-level security") {
		t.Errorf("pg_dump as the owning role: %v\n%s\nwant a refusal naming row-level security", err, out)
	}
	if out, err := run("pg_dump", "--format=custom", "--file="+dump, "--dbname="+dbtest.AdminURL(t, source)); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	target := dbtest.EmptyURL(t)
	if out, err := run("pg_restore", "--exit-on-error", "--dbname="+dbtest.AdminURL(t, target), dump); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}

	restored, err := db.Open(ctx, target, db.AsApp())
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	dir, err := db.Migrations(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.NewMigrator(restored, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(ctx); err != nil {
		t.Errorf("the restored database is not at the current schema: %v", err)
	}

	counts := func(d *bun.DB) map[string]int {
		t.Helper()
		out := map[string]int{}
		for _, table := range []string{"organisations", "people", "course_attempts", "scenario_choices", "completions", "certificates", "audit_log", "learner_courses", "scenario_mark_counts"} {
			var n int
			if err := d.NewRaw("SELECT count(*) FROM "+table).Scan(ctx, &n); err != nil {
				t.Fatal(err)
			}
			out[table] = n
		}
		return out
	}
	before, err := db.Open(ctx, dbtest.AdminURL(t, source))
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()
	after, err := db.Open(ctx, dbtest.AdminURL(t, target))
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	want, got := counts(before), counts(after)
	for table, n := range want {
		if got[table] != n || n == 0 {
			t.Errorf("%s: %d rows restored of %d", table, got[table], n)
		}
	}

	// The application's view of the restored data: each organisation its
	// own, the other's nowhere.
	st := store.New(restored)
	for _, x := range []*fixture.Tenant{a, b} {
		people, err := st.Org(x.Org.ID).People(ctx)
		if err != nil || len(people) == 0 {
			t.Fatalf("%s's people after the restore: %d, %v", x.Org.Name, len(people), err)
		}
	}
	if _, err := st.Org(a.Org.ID).Person(ctx, b.Member.ID); err == nil {
		t.Error("after the restore, one organisation reads another's person")
	}
	if c, err := st.Org(a.Org.ID).Member(a.Member.ID).CompletionOfAttempt(ctx, a.Course.Attempt.ID); err != nil || c.ID != a.Course.Completion.ID {
		t.Errorf("the member's completion after the restore: %v, %v", c.ID, err)
	}
}
