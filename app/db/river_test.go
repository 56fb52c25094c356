package db_test

import (
	"context"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/dbtest"
)

// riverVersions are the River schema versions recorded in the database.
func riverVersions(t *testing.T, d *bun.DB) []int {
	t.Helper()
	var vs []int
	if err := d.NewSelect().Table("river_migration").Column("version").Order("version").Scan(context.Background(), &vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

func riverTables(t *testing.T, d *bun.DB) int64 {
	t.Helper()
	n, err := d.NewSelect().Table("pg_tables").Where("schemaname = current_schema() AND tablename LIKE 'river%'").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// River's schema is applied by our migrations, at its place among them,
// removed with them, and applied again idempotently: also over a schema
// River's own tool made first.
func TestRiverSchemaMigratesWithOurs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	app, d := dbtest.NewWithAdmin(t)
	dir, err := db.Migrations(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.NewMigrator(d, dir)
	if err != nil {
		t.Fatal(err)
	}
	last := db.RiverSteps[len(db.RiverSteps)-1].Version
	if latest := m.RiverLatest(); last != latest {
		t.Fatalf("the last River step is version %d but the linked River's newest schema is %d: add a RiverStep before a new migration", last, latest)
	}
	if vs := riverVersions(t, d); len(vs) != last || vs[len(vs)-1] != last {
		t.Fatalf("River versions after migrating: %v, want 1..%d", vs, last)
	}
	// The application role works jobs but never writes River's record.
	if _, err := app.ExecContext(ctx, "DELETE FROM river_migration"); err == nil {
		t.Fatal("the application role may delete River's migration record")
	}
	if _, err := app.ExecContext(ctx, "SELECT count(*) FROM river_job"); err != nil {
		t.Fatalf("the application role cannot read jobs: %v", err)
	}

	if _, err := m.Down(ctx); err != nil {
		t.Fatal(err)
	}
	if n := riverTables(t, d); n != 0 {
		t.Fatalf("%d River tables left after rolling back", n)
	}
	// River's own tool got there first: our migrations take its schema as
	// it is.
	rm, err := rivermigrate.New(riverdatabasesql.New(d.DB), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: last}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("up over River's own schema: %v", err)
	}
	if vs := riverVersions(t, d); len(vs) != last {
		t.Fatalf("River versions: %v", vs)
	}
	if again, err := m.Up(ctx); err != nil || len(again) != 0 {
		t.Fatalf("up again: %v %v", again, err)
	}
}
