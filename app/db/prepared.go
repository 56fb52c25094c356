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
)

// Statement is a query whose text never changes, its values given apart as
// $1…: each connection prepares it once, so PostgreSQL parses and analyses
// it once per connection instead of at every call (and may keep a generic
// plan after five), where a query with its values written into the text
// (bun's) is new to it every time. For the statements of busy pages.
type Statement struct {
	name   string
	sql    string
	params []uint32
}

// NewStatement is a statement named name (unique in the program) with the
// given text and the types of its parameters (pgtype's OIDs, one for each
// $n): the values are sent in binary as those types.
func NewStatement(name, sql string, params ...uint32) *Statement {
	return &Statement{name: "upstand_" + name, sql: sql, params: params}
}

// SQL is the statement's text.
func (s *Statement) SQL() string { return s.sql }

// Query is a statement with its values.
type Query struct {
	Statement *Statement
	Args      []any
}

// Prepared, passed as the only argument of database/sql's QueryContext on a
// connection of Open's pool (with any query text: PreparedSQL says what it
// is), sends its queries in one round trip — after a transaction's BEGIN
// and set_config held back, in the same round trip — and answers with one
// result set per query, in order (Rows.NextResultSet). Each query is its
// own statement in the connection's transaction, as if sent alone. A
// statement new to the connection is prepared in the same round trip.
type Prepared []Query

// PreparedSQL is the query text that goes with a Prepared argument.
const PreparedSQL = "-- prepared statements"

// queryPrepared sends qs, after what is owed, as one pipeline: PostgreSQL's
// extended protocol, each query bound to its connection's prepared
// statement, one Sync at the end (one round trip).
func (c *lazyConn) queryPrepared(ctx context.Context, qs Prepared) (driver.Rows, error) {
	conn := c.Conn.Conn()
	if conn.IsClosed() {
		return nil, driver.ErrBadConn
	}
	m := conn.TypeMap()
	values := make([][][]byte, len(qs))
	formats := make([][]int16, len(qs))
	for i, q := range qs {
		st := q.Statement
		if st == nil {
			return nil, errors.New("db: a prepared query without its statement")
		}
		if len(q.Args) != len(st.params) {
			return nil, fmt.Errorf("db: statement %s takes %d values, got %d", st.name, len(st.params), len(q.Args))
		}
		values[i] = make([][]byte, len(q.Args))
		formats[i] = make([]int16, len(q.Args))
		for j, a := range q.Args {
			v, err := encodeArg(m, st.params[j], a)
			if err != nil {
				return nil, fmt.Errorf("db: statement %s, value $%d: %w", st.name, j+1, err)
			}
			values[i][j], formats[i][j] = v, pgtype.BinaryFormatCode
		}
	}
	if c.stmts == nil {
		c.stmts = map[string]*preparedStmt{}
		c.unsure = map[string]bool{}
	}

	owed := len(c.owed)
	var trace []string
	if c.tracer != nil {
		trace = append(trace, c.owed...)
		for _, q := range qs {
			trace = append(trace, "EXECUTE "+q.Statement.name)
		}
		ctx = c.tracer.TraceQueryStart(ctx, conn, pgx.TraceQueryStartData{SQL: strings.Join(trace, "; ")})
	}
	end := func(err error) error {
		if c.tracer != nil {
			c.tracer.TraceQueryEnd(ctx, conn, pgx.TraceQueryEndData{Err: err})
		}
		if err != nil && pgconn.SafeToRetry(err) {
			return driver.ErrBadConn
		}
		return err
	}

	p := conn.PgConn().StartPipeline(ctx)
	for _, s := range c.owed {
		p.SendQueryParams(s, nil, nil, nil, nil)
	}
	c.owed = c.owed[:0]
	sent := map[string]bool{}
	var preparing []*Statement // in the order of their results
	// How each query's columns are read: known for a statement prepared
	// before, nil (from the answer's description) for one prepared now.
	convert := make([][]valueFunc, len(qs))
	for i, q := range qs {
		st := q.Statement
		if ps := c.stmts[st.name]; ps != nil {
			p.SendQueryStatement(ps.sd, values[i], formats[i], ps.cols.formats)
			convert[i] = ps.cols.convert
			continue
		}
		if !sent[st.name] {
			if c.unsure[st.name] {
				// It may exist from a batch that failed after preparing
				// it: closing a statement that does not exist is no error.
				p.SendDeallocate(st.name)
			}
			p.SendPrepare(st.name, st.sql, st.params)
			sent[st.name] = true
			preparing = append(preparing, st)
		}
		p.SendQueryPrepared(st.name, values[i], formats[i], nil)
	}
	if err := p.Sync(); err != nil {
		p.Close()
		return nil, end(err)
	}

	rows := &preparedRows{}
	err := func() error {
		for {
			res, err := p.GetResults()
			if err != nil {
				return err
			}
			switch r := res.(type) {
			case nil, *pgconn.PipelineSync:
				return nil
			case *pgconn.StatementDescription:
				// Prepared: it exists on the connection from now on, however
				// the transaction ends.
				if len(preparing) == 0 {
					return errors.New("db: a statement prepared that was not sent")
				}
				st := preparing[0]
				preparing = preparing[1:]
				r.Name, r.SQL = st.name, st.sql
				c.stmts[st.name] = &preparedStmt{sd: r, cols: columnsOf(m, r.Fields)}
				delete(c.unsure, st.name)
			case *pgconn.ResultReader:
				if owed > 0 {
					owed--
					if _, err := r.Close(); err != nil {
						return err
					}
					continue
				}
				if len(rows.sets) == len(qs) {
					r.Close()
					return errors.New("db: more results than prepared queries")
				}
				set, err := readSet(m, r, convert[len(rows.sets)])
				if err != nil {
					return err
				}
				rows.sets = append(rows.sets, set)
			}
		}
	}()
	if err != nil {
		// A statement sent here but not seen prepared may exist or not;
		// one that was may have had its plan invalidated (a changed
		// table): prepare them all again next time. One the server no
		// longer has (dropped behind the connection's back) means none of
		// the others can be trusted either.
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "26000" {
			for name := range c.stmts {
				delete(c.stmts, name)
				c.unsure[name] = true
			}
		}
		for _, q := range qs {
			if c.stmts[q.Statement.name] != nil || sent[q.Statement.name] {
				delete(c.stmts, q.Statement.name)
				c.unsure[q.Statement.name] = true
			}
		}
		p.Close()
		return nil, end(err)
	}
	if err := p.Close(); err != nil {
		return nil, end(err)
	}
	if len(rows.sets) != len(qs) {
		return nil, end(fmt.Errorf("db: %d results for %d prepared queries", len(rows.sets), len(qs)))
	}
	return rows, end(nil)
}

// preparedStmt is a Statement prepared on a connection: PostgreSQL's
// description of it, and how its columns are read.
type preparedStmt struct {
	sd   *pgconn.StatementDescription
	cols columns
}

// resultSet is one query's rows, read whole.
type resultSet struct {
	columns []string
	rows    [][]driver.Value
	at      int
}

// readSet reads a query's rows, its columns converted by convert (nil: as
// the result describes them).
func readSet(m *pgtype.Map, r *pgconn.ResultReader, convert []valueFunc) (resultSet, error) {
	fields := r.FieldDescriptions()
	set := resultSet{columns: make([]string, len(fields))}
	if len(convert) != len(fields) {
		convert = make([]valueFunc, len(fields))
		for i, fd := range fields {
			convert[i] = newValueFunc(m, fd.DataTypeOID, fd.Format)
		}
	}
	for i, fd := range fields {
		set.columns[i] = fd.Name
	}
	for r.NextRow() {
		raw := r.Values()
		row := make([]driver.Value, len(raw))
		for i, v := range raw {
			if v == nil {
				continue
			}
			d, err := convert[i](v)
			if err != nil {
				r.Close()
				return resultSet{}, fmt.Errorf("db: convert column %s: %w", set.columns[i], err)
			}
			row[i] = d
		}
		set.rows = append(set.rows, row)
	}
	_, err := r.Close()
	return set, err
}

// preparedRows are the result sets of a Prepared, one for each query.
type preparedRows struct {
	sets []resultSet
	at   int
}

func (r *preparedRows) Columns() []string { return r.sets[r.at].columns }

func (r *preparedRows) Close() error { return nil }

func (r *preparedRows) Next(dest []driver.Value) error {
	s := &r.sets[r.at]
	if s.at >= len(s.rows) {
		return io.EOF
	}
	copy(dest, s.rows[s.at])
	s.at++
	return nil
}

func (r *preparedRows) HasNextResultSet() bool { return r.at+1 < len(r.sets) }

func (r *preparedRows) NextResultSet() error {
	if r.at+1 >= len(r.sets) {
		return io.EOF
	}
	r.at++
	return nil
}
