package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMigrationsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, d := dbtest.NewWithAdmin(t)
	dir, err := db.Migrations(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.NewMigrator(d, dir)
	if err != nil {
		t.Fatal(err)
	}
	// dbtest's database is already migrated: nothing pending.
	if err := m.Check(ctx); err != nil {
		t.Fatalf("fresh test database not current: %v", err)
	}
	applied, pending, err := m.Status(ctx)
	if err != nil || len(applied) == 0 || len(pending) != 0 {
		t.Fatalf("status: applied %v pending %v err %v", applied, pending, err)
	}
	rolled, err := m.Down(ctx)
	if err != nil || len(rolled) == 0 {
		t.Fatalf("down: %v %v", rolled, err)
	}
	if err := m.Check(ctx); !errors.Is(err, db.ErrStale) {
		t.Fatalf("after down, Check = %v, want ErrStale", err)
	}
	again, err := m.Up(ctx)
	if err != nil || len(again) != len(rolled) {
		t.Fatalf("up again: %v %v", again, err)
	}
	if err := m.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestStaleSchemaNamesPendingMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, d := dbtest.NewWithAdmin(t)
	dir := fstest.MapFS{
		"29990101000000_later.tx.up.sql":   {Data: []byte("CREATE TABLE later (id int);")},
		"29990101000000_later.tx.down.sql": {Data: []byte("DROP TABLE later;")},
	}
	m, err := db.NewMigrator(d, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(ctx); !errors.Is(err, db.ErrStale) || !strings.Contains(err.Error(), "29990101000000_later") {
		t.Fatalf("Check = %v, want ErrStale naming the migration", err)
	}
}

func TestOpenUnreachableIsOneLine(t *testing.T) {
	t.Parallel()
	_, err := db.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if err == nil {
		t.Fatal("opened a database on port 1")
	}
	if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "cannot reach PostgreSQL at 127.0.0.1:1") {
		t.Errorf("error %q: want one line naming the server", err)
	}
}

// TestMigratorsStartingTogether: several servers starting at the same
// moment on an empty database each run Up; every one succeeds, and each
// migration is applied once.
func TestMigratorsStartingTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.EmptyURL(t)
	dir, err := db.Migrations(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	const servers = 4
	errs := make(chan error, servers)
	for range servers {
		go func() {
			d, err := db.Open(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			defer d.Close()
			m, err := db.NewMigrator(d, dir)
			if err == nil {
				_, err = m.Up(ctx)
			}
			errs <- err
		}()
	}
	for range servers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	d, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var applied, distinct int
	if err := d.NewRaw("SELECT count(*), count(DISTINCT name) FROM bun_migrations").Scan(ctx, &applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != distinct || applied == 0 {
		t.Errorf("%d migrations recorded, %d distinct", applied, distinct)
	}
}
