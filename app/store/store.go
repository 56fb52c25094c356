// Package store holds all of Upstand's SQL, via bun on PostgreSQL. One file
// per entity; methods take the context first and return ErrNotFound rather
// than empty results. Every method that touches an organisation's data takes
// the organisation id and filters by it: tenant isolation is enforced here,
// not remembered in handlers. The few lookups that are not scoped by
// organisation go by a secret (a session token, an invite token, a passkey
// user handle) and say so.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// ErrNotFound means no row matched: the object does not exist, or it belongs
// to another organisation (the two are deliberately indistinguishable).
var ErrNotFound = errors.New("store: not found")

// ErrConflict means a uniqueness rule refused the write (a duplicate email,
// team name, and so on).
var ErrConflict = errors.New("store: already exists")

// Store is the database behind every service.
type Store struct {
	db *bun.DB
}

// New wraps an open database.
func New(db *bun.DB) *Store { return &Store{db: db} }

// DB exposes the underlying database for health checks.
func (s *Store) DB() *bun.DB { return s.db }

// tx runs fn in a transaction, committed only if fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.db.RunInTx(ctx, nil, fn)
}

// wrap gives an error the store's prefix and maps "no rows" and unique
// violations to ErrNotFound and ErrConflict.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return fmt.Errorf("store: %s: %w", what, ErrConflict)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// affected turns "updated nothing" into ErrNotFound.
func affected(what string, res sql.Result, err error) error {
	if err != nil {
		return wrap(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(what, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return nil
}
