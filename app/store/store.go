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
// enrolment token, a certificate code, an API key; and the operator's
// list) live on the separate Global surface.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/fault"
)

// The store's errors are faults (app/fault), so the web layer knows what to
// answer without each handler remembering; compare them with errors.Is.
var (
	// ErrNotFound means no row matched: the object does not exist, or it
	// belongs to another organisation (the two are deliberately
	// indistinguishable).
	ErrNotFound error = fault.Wrap(fault.NotFound, errors.New("store: not found"))
	// ErrConflict means a uniqueness rule refused the write (a duplicate
	// email, team name, and so on).
	ErrConflict error = fault.Wrap(fault.Conflict, errors.New("store: already exists"))
)

// Store is the database behind every service.
type Store struct {
	db *bun.DB
	// anchorDrift is how far a coverage read may be from the moment the
	// counts were worked out at before it moves them (0: anchorDrift).
	anchorDrift time.Duration
}

// SetCoverageAnchorDrift changes how far from the counts' anchor a
// coverage read may be before it moves the anchor to its own moment:
// tests make it long, so reads correct the counts across months, or
// zero-ish, so every read moves them. The server keeps the default
// (an hour).
func (s *Store) SetCoverageAnchorDrift(d time.Duration) { s.anchorDrift = d }

// New wraps an open database.
func New(db *bun.DB) *Store { return &Store{db: db} }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return outage(s.db.PingContext(ctx)) }

// wrap gives an error the store's prefix and maps "no rows" and unique
// violations to ErrNotFound and ErrConflict, and a database that cannot be
// reached to fault.Unavailable.
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
	return fmt.Errorf("store: %s: %w", what, outage(err))
}

// outage marks err as fault.Unavailable when it says the database cannot
// be reached or is not accepting work: the same request may well succeed a
// little later, and the person should hear that rather than "something went
// wrong". An error that is already a fault, or any other error, is returned
// as it is. Every transaction the store opens passes its error through
// here, so a failure to begin or commit is classified too.
func outage(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := fault.As(err); ok {
		return err
	}
	if unreachable(err) {
		return fault.Wrap(fault.Unavailable, err)
	}
	return err
}

// unreachable recognises the ways a lost or refused connection surfaces
// through pgx and database/sql.
func unreachable(err error) bool {
	var connect *pgconn.ConnectError
	var netErr net.Error
	var pg *pgconn.PgError
	switch {
	case errors.As(err, &connect), // no new connection: refused, not accepting connections, auth
		errors.As(err, &netErr), // a connection broke mid-way, or a dial timed out
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.ErrUnexpectedEOF),
		// A query that waited for a free connection (or an answer) past
		// its deadline: the database is overloaded or gone.
		errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return true
	case errors.As(err, &pg):
		// Class 08: connection exception; 57P01-57P03: the server is
		// shutting down, crashed, or starting up; 53300: too many
		// connections.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" ||
			pg.Code == "57P03" || pg.Code == "53300"
	}
	return false
}

// Analyze vacuums the tables the store's connection owns and updates the
// planner's statistics: after a bulk load, what autovacuum would do in
// its own time (while the first pages are read) is done at once. Run it
// on a store opened as the migrating user.
func (s *Store) Analyze(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, "VACUUM (ANALYZE)")
	return wrap("vacuum and analyse", err)
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
