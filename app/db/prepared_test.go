package db_test

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/dbtest"
)

var (
	echoStmt = db.NewStatement("test_echo",
		"SELECT $1::uuid AS id, $2::text AS name, $3::timestamptz AS at, current_setting('upstand.test', true) AS bound",
		pgtype.UUIDOID, pgtype.TextOID, pgtype.TimestamptzOID)
	divideStmt = db.NewStatement("test_divide", "SELECT 10 / $1::int AS q", pgtype.Int4OID)
)

type echoRow struct {
	ID    uuid.UUID
	Name  string
	At    time.Time
	Bound string
}

// readPrepared sends qs and reads each result set with scan.
func readPrepared(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, qs db.Prepared, scan func(set int, rows *sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, db.PreparedSQL, qs)
	if err != nil {
		return err
	}
	defer rows.Close()
	for set := range qs {
		if set > 0 && !rows.NextResultSet() {
			return sql.ErrNoRows
		}
		for rows.Next() {
			if err := scan(set, rows); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}

func preparedCount(t *testing.T, ctx context.Context, conn *sql.Conn) int {
	t.Helper()
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'upstand_test_%'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPrepared: a transaction's BEGIN and set_config and its prepared
// queries go in one round trip, each query answered with its own rows and
// its values sent apart; each connection prepares a statement once; a
// failed round trip leaves the connection able to prepare again.
func TestPrepared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := &sent{}
	d, _ := dbtest.NewWithAdminOptions(t, db.Trace(tr))
	conn, err := d.DB.Conn(ctx) // one connection throughout
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tr.take()

	id := uuid.New()
	at := time.Date(2026, 12, 3, 16, 0, 0, 123456000, time.UTC)
	quote := "it's; DROP TABLE people; --"
	echo := func(name string) db.Query { return db.Query{Statement: echoStmt, Args: []any{id, name, at}} }
	for round := range 3 {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "SELECT set_config('upstand.test', 'bound', true)"); err != nil {
			t.Fatal(err)
		}
		var got []echoRow
		var q int
		err = readPrepared(ctx, tx, db.Prepared{echo(quote), {Statement: divideStmt, Args: []any{5}}, echo("second")},
			func(set int, rows *sql.Rows) error {
				if set == 1 {
					return rows.Scan(&q)
				}
				var r echoRow
				err := rows.Scan(&r.ID, &r.Name, &r.At, &r.Bound)
				got = append(got, r)
				return err
			})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		want := []echoRow{{id, quote, at, "bound"}, {id, "second", at, "bound"}}
		for i := range got {
			got[i].At = got[i].At.UTC()
		}
		if !reflect.DeepEqual(got, want) || q != 2 {
			t.Errorf("round %d: read %+v and %d, want %+v and 2", round, got, q, want)
		}
		trips := tr.take()
		wantTrips := []string{"BEGIN; SELECT set_config('upstand.test', 'bound', true); EXECUTE upstand_test_echo; EXECUTE upstand_test_divide; EXECUTE upstand_test_echo", "COMMIT"}
		if !reflect.DeepEqual(trips, wantTrips) {
			t.Errorf("round %d: sent %q, want %q", round, trips, wantTrips)
		}
		if n := preparedCount(t, ctx, conn); n != 2 {
			t.Errorf("round %d: %d statements prepared on the connection, want 2", round, n)
		}
		tr.take()
	}

	// Without a transaction: one round trip, its own implicit transaction.
	if err := readPrepared(ctx, conn, db.Prepared{{Statement: divideStmt, Args: []any{2}}}, func(int, *sql.Rows) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if trips := tr.take(); !reflect.DeepEqual(trips, []string{"EXECUTE upstand_test_divide"}) {
		t.Errorf("sent %q", trips)
	}

	// Statements dropped behind the connection's back fail once, and are
	// prepared again after.
	if _, err := conn.ExecContext(ctx, "DEALLOCATE ALL"); err != nil {
		t.Fatal(err)
	}
	if err := readPrepared(ctx, conn, db.Prepared{echo("a")}, func(int, *sql.Rows) error { return nil }); err == nil {
		t.Error("a statement dropped behind the connection's back ran")
	}
	// A query that fails aborts the transaction and comes back as the
	// error; a statement prepared in the same round trip may exist or
	// not, and is prepared again as needed.
	for round := range 2 {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = readPrepared(ctx, tx, db.Prepared{echo("a"), {Statement: divideStmt, Args: []any{0}}}, func(int, *sql.Rows) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "division by zero") {
			t.Errorf("round %d: %v, want division by zero", round, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
	}
	var q int
	err = readPrepared(ctx, conn, db.Prepared{echo("b"), {Statement: divideStmt, Args: []any{1}}}, func(set int, rows *sql.Rows) error {
		if set == 1 {
			return rows.Scan(&q)
		}
		return nil
	})
	if err != nil || q != 10 {
		t.Fatalf("after the failures: %v, %d", err, q)
	}

	// A wrong number of values is refused before anything is sent.
	if _, err := conn.QueryContext(ctx, db.PreparedSQL, db.Prepared{{Statement: divideStmt}}); err == nil {
		t.Error("a statement without its value ran")
	}
}
