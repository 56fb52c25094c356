package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// ErrStale means the database schema is behind the binary's migrations.
var ErrStale = errors.New("database schema is not current")

// Migrator applies and inspects the SQL migrations in one folder.
type Migrator struct {
	m *migrate.Migrator
}

// NewMigrator discovers the *.up.sql / *.down.sql files in dir.
func NewMigrator(db *bun.DB, dir fs.FS) (*Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(dir); err != nil {
		return nil, fmt.Errorf("db: discover migrations: %w", err)
	}
	return &Migrator{m: migrate.NewMigrator(db, ms)}, nil
}

// lock takes bun/migrate's table lock, waiting while another server holds it
// (several app servers may start together against one database).
func (m *Migrator) lock(ctx context.Context) (unlock func(), err error) {
	if err := m.m.Init(ctx); err != nil {
		return nil, fmt.Errorf("db: init migration tables: %w", err)
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

// Up applies every pending migration under the lock and returns their names.
func (m *Migrator) Up(ctx context.Context) ([]string, error) {
	return m.locked(ctx, "up", m.m.Migrate)
}

// Down rolls back the last group of migrations under the lock.
func (m *Migrator) Down(ctx context.Context) ([]string, error) {
	return m.locked(ctx, "down", m.m.Rollback)
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
	if err := m.m.Init(ctx); err != nil {
		return nil, nil, fmt.Errorf("db: init migration tables: %w", err)
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
