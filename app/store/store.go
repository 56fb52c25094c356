// Package store holds all of Upstand's SQL, via bun on PostgreSQL. One file
// per entity; methods take the context first and return ErrNotFound rather
// than empty results.
//
// Organisation data is reached only through a handle bound to one
// organisation (Store.Org) or to one person in it (Org.Member): no method
// reachable from those handles takes an organisation id, and every query
// they run is inside a transaction that names the organisation to
// PostgreSQL, whose row-level security refuses any other organisation's
// rows even when a query forgets its where clause. The few lookups across
// organisations (by a secret: a session token, a passkey user handle, an
// enrolment token, a certificate code; and the operator's list) live on
// the separate Global surface.
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

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

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
