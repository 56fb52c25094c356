package db_test

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/dbtest"
)

// sent records what the pool sends to PostgreSQL, one entry a round trip.
type sent struct {
	mu  sync.Mutex
	sql []string
}

func (s *sent) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sql = append(s.sql, d.SQL)
	return ctx
}

func (s *sent) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (s *sent) TracePrepareStart(ctx context.Context, _ *pgx.Conn, d pgx.TracePrepareStartData) context.Context {
	return s.TraceQueryStart(ctx, nil, pgx.TraceQueryStartData{SQL: "PREPARE " + d.SQL})
}

func (s *sent) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

func (s *sent) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.sql
	s.sql = nil
	return out
}

// TestHeldBackBegin: a transaction's BEGIN and its set_config go with its
// first statement, in one round trip, and bind it; a transaction that
// sends nothing else costs nothing.
func TestHeldBackBegin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := &sent{}
	d, _ := dbtest.NewWithAdminOptions(t, db.Trace(tr))
	tr.take()

	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT set_config('upstand.test', 'bound', true)"); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := tx.QueryRowContext(ctx, "SELECT current_setting('upstand.test')").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got != "bound" {
		t.Errorf("setting = %q, want bound", got)
	}
	want := []string{"BEGIN; SELECT set_config('upstand.test', 'bound', true); SELECT current_setting('upstand.test')", "COMMIT"}
	if trips := tr.take(); !reflect.DeepEqual(trips, want) {
		t.Errorf("sent %q, want %q", trips, want)
	}

	// Bound and ended, nothing sent.
	tx, err = d.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT set_config('upstand.test', 'bound', true)"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if trips := tr.take(); len(trips) != 0 {
		t.Errorf("an empty transaction sent %q", trips)
	}

	// The setting ends with its transaction.
	if err := d.QueryRowContext(ctx, "SELECT coalesce(current_setting('upstand.test', true), '')").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "" {
		t.Errorf("after the transaction, setting = %q", got)
	}
}

// TestSeveralResultSets: several queries without separate arguments go in
// one message and come back as result sets in order, with the same values
// as a query with arguments (pgx's extended protocol) gives.
func TestSeveralResultSets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := &sent{}
	d, _ := dbtest.NewWithAdminOptions(t, db.Trace(tr))
	const cols = `1::int2, 2::int4, 3::int8, true, 'text'::text, '\x0102'::bytea, 1.5::float4, 2.5::float8,
		'2026-12-03 10:11:12.123456+00'::timestamptz, '2026-12-03 10:11:12'::timestamp, '2026-12-03'::date,
		'{"a": [1, "b"]}'::jsonb, '{"c": 2}'::json, '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid, 12.50::numeric,
		'{1,2}'::int[], NULL::text`
	row := func(rows *sql.Rows) []any {
		t.Helper()
		types, err := rows.ColumnTypes()
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]any, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if !rows.Next() {
			t.Fatalf("no row: %v", rows.Err())
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		return vals
	}

	// The reference: one argument, so pgx's extended protocol.
	ref, err := d.DB.QueryContext(ctx, "SELECT "+cols+", $1::int", 7)
	if err != nil {
		t.Fatal(err)
	}
	want := row(ref)
	ref.Close()

	tr.take()
	tx, err := d.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT "+cols+", 7; SELECT n FROM generate_series(1, 3) n; SELECT 'last'")
	if err != nil {
		t.Fatal(err)
	}
	if got := row(rows); !reflect.DeepEqual(got, want) {
		t.Errorf("simple protocol gave\n%#v\nextended gave\n%#v", got, want)
	}
	if rows.Next() || !rows.NextResultSet() {
		t.Fatalf("no second result set: %v", rows.Err())
	}
	var ns []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	if !reflect.DeepEqual(ns, []int{1, 2, 3}) || !rows.NextResultSet() {
		t.Fatalf("second result set %v, then %v", ns, rows.Err())
	}
	var last string
	if !rows.Next() || rows.Scan(&last) != nil || last != "last" {
		t.Fatalf("third result set: %q %v", last, rows.Err())
	}
	if rows.Next() || rows.NextResultSet() {
		t.Error("a fourth result set")
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if trips := tr.take(); len(trips) != 1 || !strings.HasPrefix(trips[0], "BEGIN; SELECT") {
		t.Errorf("sent %q, want one round trip with BEGIN", trips)
	}

	// An error in a later query comes back, and the transaction ends.
	rows, err = tx.QueryContext(ctx, "SELECT 1; SELECT 1/0")
	if err == nil {
		for rows.Next() {
		}
		rows.NextResultSet()
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Errorf("error = %v, want division by zero", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	// The connection is still good.
	var one int
	if err := d.DB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("after the error: %d %v", one, err)
	}
}
