package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// A read is one query of several sent together (readAll) and what to do
// with each of its rows.
type read struct {
	q    *bun.SelectQuery
	scan func(ctx context.Context, db *bun.DB, rows *sql.Rows) error
}

// rowsOf reads a query's rows into out.
func rowsOf[T any](q *bun.SelectQuery, out *[]T) read {
	return read{q: q, scan: func(ctx context.Context, db *bun.DB, rows *sql.Rows) error {
		var v T
		if err := db.ScanRow(ctx, rows, &v); err != nil {
			return err
		}
		*out = append(*out, v)
		return nil
	}}
}

// readAll sends several queries as one message, so a page's reads cost one
// round trip to PostgreSQL: the pool's connections send a query without
// separate arguments (bun writes the values into the SQL) by the simple
// protocol, which takes several and answers each with its own result set
// (app/db). Each query runs as its own statement, as it would alone, in
// db's transaction.
func (s *Store) readAll(ctx context.Context, db bun.IDB, reads ...read) error {
	sqls := make([]string, len(reads))
	for i, r := range reads {
		sqls[i] = r.q.String()
	}
	rows, err := db.QueryContext(ctx, strings.Join(sqls, ";\n"))
	if err != nil {
		return err
	}
	defer rows.Close()
	for i, r := range reads {
		if i > 0 && !rows.NextResultSet() {
			if err := rows.Err(); err != nil {
				return err
			}
			return fmt.Errorf("no result for query %d of %d", i+1, len(reads))
		}
		for rows.Next() {
			if err := r.scan(ctx, s.db, rows); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return rows.Close()
}
