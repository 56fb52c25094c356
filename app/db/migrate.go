package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// ErrStale means the database schema is behind the binary's migrations.
var ErrStale = errors.New("database schema is not current")

// Migrator applies and inspects the SQL migrations in one folder, and
// River's (the job queue's) schema at its place among them.
type Migrator struct {
	m     *migrate.Migrator
	river *rivermigrate.Migrator[*sql.Tx]
}

// RiverStep is where River's schema enters our sequence: just before the
// migration named Before runs, River's own migrations are applied up to
// Version (and, rolling Before back, removed down to the version before).
// A River upgrade that brings a new schema version adds a step before a
// new migration of ours; a test checks the last step is the newest version
// the linked River has, so the binary never runs on an older River schema.
type RiverStep struct {
	Before  string
	Version int
}

// RiverSteps are River's schema versions in our sequence, oldest first.
var RiverSteps = []RiverStep{{Before: "20261203120000", Version: 8}}

// NewMigrator discovers the *.up.sql / *.down.sql files in dir.
func NewMigrator(db *bun.DB, dir fs.FS) (*Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(dir); err != nil {
		return nil, fmt.Errorf("db: discover migrations: %w", err)
	}
	// rivermigrate logs each version at info; our commands print what ran.
	river, err := rivermigrate.New(riverdatabasesql.New(db.DB), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("db: River migrations: %w", err)
	}
	m := &Migrator{river: river}
	m.m = migrate.NewMigrator(db, ms, migrate.BeforeMigration(m.riverStep))
	return m, nil
}

// direction tells riverStep whether bun is migrating up or rolling back
// (bun's hook is the same for both).
type direction struct{}

// riverStep runs before each of our migrations: before one that names a
// RiverStep, River's migrations are applied up to the step's version, or
// (rolling back) removed down to the previous step's. rivermigrate keeps
// its own record of applied versions (river_migration) and skips those,
// so the step is idempotent, and a schema River's own tool made already
// is taken as it is. It runs under our migration lock, each River version
// in a transaction of its own, as rivermigrate requires; the migration
// that follows finds River's tables committed.
func (m *Migrator) riverStep(ctx context.Context, _ bun.IConn, mig *migrate.Migration) error {
	for i, step := range RiverSteps {
		if step.Before != mig.Name {
			continue
		}
		if down, _ := ctx.Value(direction{}).(bool); down {
			target := -1 // River's schema removed altogether
			if i > 0 {
				target = RiverSteps[i-1].Version
			}
			if _, err := m.river.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: target}); err != nil {
				return fmt.Errorf("db: River's schema down to version %d: %w", target, err)
			}
			return nil
		}
		if _, err := m.river.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: step.Version}); err != nil {
			return fmt.Errorf("db: River's schema up to version %d: %w", step.Version, err)
		}
	}
	return nil
}

// RiverLatest is the newest schema version of the River this binary links.
func (m *Migrator) RiverLatest() int {
	all := m.river.AllVersions()
	return all[len(all)-1].Version
}

// lock takes bun/migrate's table lock, waiting while another server holds it
// (several app servers may start together against one database).
func (m *Migrator) lock(ctx context.Context) (unlock func(), err error) {
	if err := m.init(ctx); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := m.m.Lock(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("db: migration lock still held after 60s (a crashed migration? delete the row in bun_migration_locks): %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return func() { _ = m.m.Unlock(context.WithoutCancel(ctx)) }, nil
}

// init creates bun/migrate's tables if they are missing. Two servers
// starting together on an empty database may both try at once: PostgreSQL's
// CREATE TABLE IF NOT EXISTS is not safe against that, and the loser gets a
// unique violation, a duplicate table or a duplicate type (the table's row
// type, SQLSTATE 42710). The tables then exist, so it tries
// again (a few times, in case the first try was interrupted at another
// table).
func (m *Migrator) init(ctx context.Context) error {
	var err error
	for range 5 {
		err = m.m.Init(ctx)
		var pg *pgconn.PgError
		if err == nil || !errors.As(err, &pg) || !retryableInit(pg.Code) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("db: init migration tables: %w", err)
	}
	return nil
}

// retryableInit reports whether an error from creating the migration tables
// means another server created them at the same moment: unique_violation,
// duplicate_table or duplicate_object.
func retryableInit(code string) bool {
	return code == "23505" || code == "42P07" || code == "42710"
}

// Up applies every pending migration under the lock and returns their names.
func (m *Migrator) Up(ctx context.Context) ([]string, error) {
	return m.locked(ctx, "up", m.m.Migrate)
}

// Down rolls back the last group of migrations under the lock.
func (m *Migrator) Down(ctx context.Context) ([]string, error) {
	return m.locked(context.WithValue(ctx, direction{}, true), "down", m.m.Rollback)
}

// locked runs one bun/migrate step (Migrate or Rollback, the way named by
// dir) under the lock and returns the names of the migrations it ran.
func (m *Migrator) locked(ctx context.Context, dir string, step func(context.Context, ...migrate.MigrationOption) (*migrate.MigrationGroup, error)) ([]string, error) {
	unlock, err := m.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	group, err := step(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: migrate %s: %w", dir, err)
	}
	return names(group.Migrations), nil
}

// Status lists every migration with whether it is applied.
func (m *Migrator) Status(ctx context.Context) (applied, pending []string, err error) {
	if err := m.init(ctx); err != nil {
		return nil, nil, err
	}
	ms, err := m.m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("db: migration status: %w", err)
	}
	return names(ms.Applied()), names(ms.Unapplied()), nil
}

// Check returns ErrStale, naming the pending migrations, unless every
// migration is applied. It only reads, so it is safe for /readyz.
func (m *Migrator) Check(ctx context.Context) error {
	ms, err := m.m.MigrationsWithStatus(ctx)
	if err != nil {
		return fmt.Errorf("db: migration status: %w", err)
	}
	if pending := names(ms.Unapplied()); len(pending) > 0 {
		return fmt.Errorf("%w: %d pending migration(s): %s", ErrStale, len(pending), strings.Join(pending, ", "))
	}
	return nil
}

func names(ms migrate.MigrationSlice) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Name+"_"+m.Comment)
	}
	return out
}
