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
