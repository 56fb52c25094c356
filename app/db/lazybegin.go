package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// Every transaction of the store starts with BEGIN and then a set_config
// (the organisation, or the cross-organisation lookup), which database/sql
// would send as two round trips before the transaction's first real
// statement. lazyConn holds a default transaction's BEGIN back, and the
// set_config after it, and sends them with the transaction's first other
// statement: in the same round trip when that statement has no separate
// arguments (the simple protocol takes several statements at once:
// "BEGIN; SELECT set_config(...); SELECT ..."), or just before it
// otherwise. Nothing else changes: the transaction is the same, as
// database/sql, bun and River see it, and a transaction that sends nothing
// costs nothing.

// lazyConnector wraps pgx's connector so each connection is a lazyConn.
type lazyConnector struct{ driver.Connector }

func (c lazyConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		return conn, nil
	}
	return &lazyConn{Conn: sc, tracer: sc.Conn().Config().Tracer}, nil
}

// lazyConn is pgx's database/sql connection with BEGIN held back.
type lazyConn struct {
	*stdlib.Conn
	// owed is what must run before the next statement: BEGIN, then any
	// set_config held back.
	owed []string
	// tracer is the connection's query tracer (db.Trace), told of what
	// queryAfter and queryPrepared send past pgx.
	tracer pgx.QueryTracer
	// stmts are the Statements prepared on the connection (prepared.go);
	// unsure, those a failed round trip may have left prepared or not.
	stmts  map[string]*preparedStmt
	unsure map[string]bool
}

// heldBack reports whether a statement can wait for the transaction's next
// one: the set_config that binds a transaction (Store's bindOrg and the
// cross-organisation lookup), whose result nobody reads. A failure still
// comes back, with the statement it went with, and aborts the transaction.
func heldBack(query string) bool {
	return strings.HasPrefix(query, "SELECT set_config(") && !strings.Contains(query, ";")
}

// BeginTx holds BEGIN back for a default transaction (other isolation
// levels and read-only ones begin at once, as before).
func (c *lazyConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.Isolation != 0 || opts.ReadOnly {
		return c.Conn.BeginTx(ctx, opts)
	}
	if c.Conn.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	c.owed = append(c.owed[:0], "BEGIN")
	return &lazyTx{c: c, ctx: ctx}, nil
}

func (c *lazyConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// begin sends what is owed, alone.
func (c *lazyConn) begin(ctx context.Context) error {
	if len(c.owed) == 0 {
		return nil
	}
	sql := strings.Join(c.owed, "; ")
	c.owed = c.owed[:0]
	_, err := c.Conn.Conn().Exec(ctx, sql)
	return err
}

// with is query after what is owed, as one string for the simple protocol.
func (c *lazyConn) with(query string) string {
	sql := strings.Join(append(c.owed, query), "; ")
	c.owed = c.owed[:0]
	return sql
}

func (c *lazyConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(c.owed) > 0 && len(args) == 0 {
		if heldBack(query) {
			c.owed = append(c.owed, query)
			return driver.RowsAffected(1), nil
		}
		// pgx sends a statement without arguments by the simple
		// protocol, which runs them all and answers with the last.
		return c.Conn.ExecContext(ctx, c.with(query), nil)
	}
	if err := c.begin(ctx); err != nil {
		return nil, err
	}
	return c.Conn.ExecContext(ctx, query, args)
}

// QueryContext sends a query without separate arguments (bun writes its
// values into the SQL: nearly all of them) by the simple protocol, after
// whatever is owed and in the same round trip. The simple protocol also
// takes several queries in one message, each with its result set
// (database/sql's Rows.NextResultSet): the store reads what one page needs
// that way, in one round trip.
func (c *lazyConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 1 {
		if qs, ok := args[0].Value.(Prepared); ok {
			if len(qs) == 0 {
				return nil, errors.New("db: no prepared queries to send")
			}
			return c.queryPrepared(ctx, qs)
		}
	}
	if len(args) == 0 {
		return c.queryAfter(ctx, len(c.owed), c.with(query))
	}
	if err := c.begin(ctx); err != nil {
		return nil, err
	}
	return c.Conn.QueryContext(ctx, query, args)
}

func (c *lazyConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.begin(ctx); err != nil {
		return nil, err
	}
	return c.Conn.PrepareContext(ctx, query)
}

func (c *lazyConn) ResetSession(ctx context.Context) error {
	if len(c.owed) > 0 { // never left open by database/sql; refuse to reuse it if it were
		return driver.ErrBadConn
	}
	return c.Conn.ResetSession(ctx)
}

// queryAfter sends sql — skip statements owed, then one or more queries —
// by the simple protocol in one round trip, and answers with the queries'
// rows. pgx's Query would answer with the first statement's (none), so
// this reads PostgreSQL's answers itself and turns them into
// database/sql's values as pgx's stdlib does (valueFunc).
func (c *lazyConn) queryAfter(ctx context.Context, skip int, sql string) (driver.Rows, error) {
	conn := c.Conn.Conn()
	if conn.IsClosed() {
		return nil, driver.ErrBadConn
	}
	if conn.PgConn().ParameterStatus("standard_conforming_strings") != "on" {
		return nil, errors.New("db: a query by the simple protocol needs standard_conforming_strings on")
	}
	r := &resultRows{conn: conn, tracer: c.tracer}
	if r.tracer != nil {
		r.ctx = r.tracer.TraceQueryStart(ctx, conn, pgx.TraceQueryStartData{SQL: sql})
	}
	r.mrr = conn.PgConn().Exec(ctx, sql)
	for range skip + 1 {
		if !r.mrr.NextResult() {
			err := r.mrr.Close()
			if err == nil {
				err = errors.New("db: no result for the query")
			}
			return nil, r.end(err)
		}
		r.rr = r.mrr.ResultReader()
		if skip--; skip >= 0 {
			if _, err := r.rr.Close(); err != nil {
				r.mrr.Close()
				return nil, r.end(err)
			}
		}
	}
	r.describe()
	return r, nil
}

// resultRows are the rows of the queries queryAfter sent, one result set
// each.
type resultRows struct {
	conn    *pgx.Conn
	tracer  pgx.QueryTracer
	ctx     context.Context
	mrr     *pgconn.MultiResultReader
	rr      *pgconn.ResultReader
	columns []string
	values  []valueFunc
	tag     pgconn.CommandTag
	done    bool
	// next is the following query's result, once the current one is read
	// to its end.
	next *pgconn.ResultReader
}

// describe readies the current result's columns.
func (r *resultRows) describe() {
	fields := r.rr.FieldDescriptions()
	r.columns = make([]string, len(fields))
	r.values = make([]valueFunc, len(fields))
	m := r.conn.TypeMap()
	for i, fd := range fields {
		r.columns[i] = fd.Name
		r.values[i] = newValueFunc(m, fd.DataTypeOID, fd.Format)
	}
}

func (r *resultRows) Columns() []string { return r.columns }

// HasNextResultSet and NextResultSet move on to the next query's rows.
func (r *resultRows) HasNextResultSet() bool { return r.next != nil }

func (r *resultRows) NextResultSet() error {
	if r.next == nil {
		return io.EOF
	}
	r.rr, r.next = r.next, nil
	r.describe()
	return nil
}

func (r *resultRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	if !r.rr.NextRow() {
		tag, err := r.rr.Close()
		r.tag = tag
		if err != nil {
			return err
		}
		if r.next == nil && r.mrr.NextResult() {
			r.next = r.mrr.ResultReader()
		}
		return io.EOF
	}
	for i, raw := range r.rr.Values() {
		if raw == nil {
			dest[i] = nil
			continue
		}
		v, err := r.values[i](raw)
		if err != nil {
			return fmt.Errorf("db: convert column %s: %w", r.columns[i], err)
		}
		dest[i] = v
	}
	return nil
}

func (r *resultRows) Close() error {
	if r.done {
		return nil
	}
	r.done = true
	if r.next != nil {
		r.next.Close()
	}
	tag, err := r.rr.Close()
	r.tag = tag
	if cerr := r.mrr.Close(); err == nil {
		err = cerr
	}
	return r.end(err)
}

// end tells the tracer the query is over. An error before anything
// reached PostgreSQL is a bad connection, as pgx's stdlib says, so
// database/sql tries another.
func (r *resultRows) end(err error) error {
	if r.tracer != nil {
		r.tracer.TraceQueryEnd(r.ctx, r.conn, pgx.TraceQueryEndData{CommandTag: r.tag, Err: err})
	}
	if err != nil && pgconn.SafeToRetry(err) {
		return driver.ErrBadConn
	}
	return err
}

// valueFunc turns a column's raw value into what database/sql expects: the
// same types pgx's stdlib gives (see its Rows), so bun scans a row alike
// whichever way it came.
type valueFunc func(src []byte) (driver.Value, error)

func newValueFunc(m *pgtype.Map, oid uint32, format int16) valueFunc {
	switch oid {
	case pgtype.BoolOID:
		return scanAs[bool](m, oid, format)
	case pgtype.ByteaOID, pgtype.JSONOID, pgtype.JSONBOID, pgtype.XMLOID:
		return scanAs[[]byte](m, oid, format)
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		return scanAs[int64](m, oid, format)
	case pgtype.Float4OID, pgtype.Float8OID:
		return scanAs[float64](m, oid, format)
	case pgtype.DateOID:
		return scanValuer[pgtype.Date](m, oid, format)
	case pgtype.TimestampOID:
		return scanValuer[pgtype.Timestamp](m, oid, format)
	case pgtype.TimestamptzOID:
		return scanValuer[pgtype.Timestamptz](m, oid, format)
	case pgtype.CIDOID, pgtype.OIDOID, pgtype.XIDOID:
		return scanValuer[pgtype.Uint32](m, oid, format)
	default:
		return scanAs[string](m, oid, format)
	}
}

func scanAs[T any](m *pgtype.Map, oid uint32, format int16) valueFunc {
	var d T
	plan := m.PlanScan(oid, format, &d)
	return func(src []byte) (driver.Value, error) {
		var d T
		if err := plan.Scan(src, &d); err != nil {
			return nil, err
		}
		return d, nil
	}
}

func scanValuer[T any, P interface {
	*T
	driver.Valuer
}](m *pgtype.Map, oid uint32, format int16) valueFunc {
	var d T
	plan := m.PlanScan(oid, format, P(&d))
	return func(src []byte) (driver.Value, error) {
		var d T
		if err := plan.Scan(src, P(&d)); err != nil {
			return nil, err
		}
		return P(&d).Value()
	}
}

// lazyTx ends a transaction that may never have begun, as pgx's own
// transactions end: on the context it began with, and a connection left
// inside a transaction by a failed COMMIT or ROLLBACK is closed, so the
// pool never hands it out again.
type lazyTx struct {
	c   *lazyConn
	ctx context.Context
}

func (t *lazyTx) Commit() error {
	if len(t.c.owed) > 0 { // nothing was sent: nothing to end
		t.c.owed = t.c.owed[:0]
		return nil
	}
	tag, err := t.end("COMMIT")
	if err == nil && tag == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return err
}

func (t *lazyTx) Rollback() error {
	if len(t.c.owed) > 0 {
		t.c.owed = t.c.owed[:0]
		return nil
	}
	_, err := t.end("ROLLBACK")
	return err
}

func (t *lazyTx) end(sql string) (string, error) {
	conn := t.c.Conn.Conn()
	tag, err := conn.Exec(t.ctx, sql)
	if err != nil {
		if conn.PgConn().TxStatus() != 'I' {
			_ = conn.Close(context.Background())
		}
		return "", err
	}
	return tag.String(), nil
}
