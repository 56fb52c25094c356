package store_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
)

// TestWrapClassifies: the store's errors say what kind of failure they are,
// and a database that cannot be reached is Unavailable however pgx or
// database/sql reports it.
func TestWrapClassifies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want fault.Kind
	}{
		{"bad connection", driver.ErrBadConn, fault.Unavailable},
		{"connection closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), fault.Unavailable},
		{"network", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, fault.Unavailable},
		{"pool wait past the deadline", context.DeadlineExceeded, fault.Unavailable},
		{"server shutting down", &pgconn.PgError{Severity: "FATAL", Code: "57P01"}, fault.Unavailable},
		{"server starting up", &pgconn.PgError{Severity: "FATAL", Code: "57P03"}, fault.Unavailable},
		{"connection failure", &pgconn.PgError{Severity: "FATAL", Code: "08006"}, fault.Unavailable},
		{"too many connections", &pgconn.PgError{Severity: "FATAL", Code: "53300"}, fault.Unavailable},
		{"unique violation", &pgconn.PgError{Code: "23505"}, fault.Conflict},
		{"syntax error", &pgconn.PgError{Code: "42601"}, fault.Internal},
		{"anything else", errors.New("boom"), fault.Internal},
		{"already a fault", store.ErrLastAdmin, fault.Conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := store.WrapForTest("load thing", tc.err)
			if got := fault.KindOf(err); got != tc.want {
				t.Errorf("kind %v, want %v (%v)", got, tc.want, err)
			}
			if !errors.Is(err, tc.err) && tc.want != fault.Conflict {
				t.Errorf("the cause is lost: %v", err)
			}
		})
	}
}

// TestSentinelKinds: the sentinel errors are faults and still errors.Is
// themselves through wrapping.
func TestSentinelKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want fault.Kind
	}{
		{store.ErrNotFound, fault.NotFound},
		{store.ErrConflict, fault.Conflict},
		{store.ErrStale, fault.Conflict},
		{store.ErrLastAdmin, fault.Conflict},
		{store.ErrLastPasskey, fault.Conflict},
		{store.ErrInviteClosed, fault.Conflict},
		{store.ErrCeremonyExpired, fault.Invalid},
	} {
		wrapped := fmt.Errorf("store: something: %w", tc.err)
		if got := fault.KindOf(wrapped); got != tc.want || !errors.Is(wrapped, tc.err) {
			t.Errorf("%v: kind %v, want %v; errors.Is %v", tc.err, got, tc.want, errors.Is(wrapped, tc.err))
		}
	}
	if !errors.Is(store.ErrStale, store.ErrConflict) {
		t.Error("ErrStale is no longer an ErrConflict")
	}
}

// TestNoServerIsUnavailable: a store whose server has gone (here: a port
// nobody listens on) answers Unavailable from a plain lookup and from a
// transaction bound to an organisation.
func TestNoServerIsUnavailable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	ctx := context.Background()
	// A pool opened without db.Open's ping: what a server started before
	// the outage holds once its connections have died.
	cfg, err := pgx.ParseConfig("postgres://upstand@" + addr + "/upstand?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	sqldb := stdlib.OpenDB(*cfg)
	defer sqldb.Close()
	st := store.New(db.FromSQL(sqldb))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := st.Global().Organisations(ctx); fault.KindOf(err) != fault.Unavailable {
		t.Errorf("lookup: %v (kind %v), want unavailable", err, fault.KindOf(err))
	}
	if _, err := st.Org(uuid.New()).Organisation(ctx); fault.KindOf(err) != fault.Unavailable {
		t.Errorf("organisation transaction: %v (kind %v), want unavailable", err, fault.KindOf(err))
	}
	if _, err := st.KV(time.Now).Get("k"); fault.KindOf(err) != fault.Unavailable {
		t.Errorf("kv: %v (kind %v), want unavailable", err, fault.KindOf(err))
	}
}
