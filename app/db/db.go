// Package db opens the PostgreSQL database through bun, applies the embedded
// migrations under bun/migrate's lock, and can run a private PostgreSQL
// cluster from the machine's binaries when no server is configured.
package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// AppRole is the role the application's queries run as (created by the
// migrations): it has no BYPASSRLS, so row-level security binds it even when
// the connection's user is a superuser or owns the tables.
const AppRole = "upstand_app"

// Option changes how Open connects.
type Option func(*[]stdlib.OptionOpenDB)

// AsApp makes every pooled connection run SET ROLE upstand_app when it is
// opened, so the organisation policies apply to everything on the pool.
// Migrations need the connection's own user: open them without it.
func AsApp() Option {
	return func(opts *[]stdlib.OptionOpenDB) {
		*opts = append(*opts, stdlib.OptionAfterConnect(func(ctx context.Context, conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, "SET ROLE "+AppRole)
			return err
		}))
	}
}

// Trace hands every statement the pool's connections send (BEGIN and
// COMMIT included) and every statement they prepare to t: for tests that
// count round trips to PostgreSQL.
func Trace(t Tracer) Option {
	return func(opts *[]stdlib.OptionOpenDB) {
		*opts = append(*opts, stdlib.OptionBeforeConnect(func(_ context.Context, cfg *pgx.ConnConfig) error {
			cfg.Tracer = t
			return nil
		}))
	}
}

// Tracer is what Trace needs: pgx's tracers of queries and of prepared
// statements.
type Tracer interface {
	pgx.QueryTracer
	pgx.PrepareTracer
}

// Open connects to the database at url and checks that it answers within
// 10 seconds, so a wrong URL fails at start-up with one clear error.
func Open(ctx context.Context, url string, options ...Option) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse database URL: %w", err)
	}
	// bun writes every value into the SQL text, so nearly every statement
	// is new to pgx's statement cache, which would prepare it first: a
	// round trip more for each query, and a cache of statements never
	// used again. Exec sends the statement and reads its rows in one
	// round trip (the extended protocol's unnamed statement); arguments
	// that do come separately (River's) get their types from the server.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	// A query without separate arguments goes by the simple protocol
	// (lazybegin.go), which reads quotes as bun writes them only with
	// standard strings (PostgreSQL's default, asked for here whatever the
	// server's setting).
	cfg.RuntimeParams["standard_conforming_strings"] = "on"
	var opts []stdlib.OptionOpenDB
	for _, o := range options {
		o(&opts)
	}
	// Each connection holds a transaction's BEGIN back and sends it with
	// the first statement (see lazybegin.go).
	sqldb := sql.OpenDB(lazyConnector{stdlib.GetConnector(*cfg, opts...)})
	sqldb.SetMaxOpenConns(20)
	sqldb.SetMaxIdleConns(10)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqldb.PingContext(pingCtx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("db: cannot reach PostgreSQL at %s: %s", redact(cfg), rootCause(err))
	}
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

// Listener is a small pool for the job queue's LISTEN connections (River
// takes one for each client and keeps it): its connections run as the
// application role too, though LISTEN touches no table.
func Listener(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse database URL: %w", err)
	}
	cfg.MinConns, cfg.MaxConns = 0, 2
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "SET ROLE "+AppRole)
		return err
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: listener pool: %w", err)
	}
	return p, nil
}

// FromSQL wraps an already open *sql.DB (tests get theirs from pgtestdb).
func FromSQL(sqldb *sql.DB) *bun.DB { return bun.NewDB(sqldb, pgdialect.New()) }

// rootCause digs out the innermost reason (e.g. "connection refused") so a
// failed start-up prints one line instead of pgx's per-address report.
func rootCause(err error) string {
	for {
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			if errs := u.Unwrap(); len(errs) > 0 {
				err = errs[0]
				continue
			}
		case interface{ Unwrap() error }:
			if inner := u.Unwrap(); inner != nil {
				err = inner
				continue
			}
		}
		return strings.ReplaceAll(err.Error(), "\n", " ")
	}
}

func redact(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("%s:%d (database %q, user %q)", cfg.Host, cfg.Port, cfg.Database, cfg.User)
}

// Migrations returns the migrations folder of the embedded files.
func Migrations(files fs.FS) (fs.FS, error) {
	sub, err := fs.Sub(files, "migrations")
	if err != nil {
		return nil, fmt.Errorf("db: migrations folder: %w", err)
	}
	return sub, nil
}
