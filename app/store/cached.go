package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// cachedRows runs query — fixed text with $1… placeholders, its values
// sent apart — as a statement each connection prepares once and keeps in
// pgx's statement cache. PostgreSQL then parses and plans it once per
// connection instead of at every call (and after five calls may keep one
// generic plan), where bun's queries, with their values written into the
// text, are new to it every time. For the statements of a busy page whose
// text never changes. The first call on a connection takes one round trip
// more, to prepare.
func cachedRows(ctx context.Context, db bun.IDB, query string, args ...any) (*sql.Rows, error) {
	args = append([]any{pgx.QueryExecModeCacheStatement}, args...)
	switch d := db.(type) {
	case bun.Tx:
		return d.Tx.QueryContext(ctx, query, args...)
	case *bun.DB:
		return d.DB.QueryContext(ctx, query, args...)
	case bun.Conn:
		return d.Conn.QueryContext(ctx, query, args...)
	}
	return nil, fmt.Errorf("store: a cached statement on %T", db)
}

// uuidArray is ids as a uuid[] value for a cached statement (nil: NULL).
func uuidArray(ids []uuid.UUID) []string {
	if ids == nil {
		return nil
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// cachedList runs query as cachedRows does and reads each row with scan.
func cachedList[T any](ctx context.Context, db bun.IDB, query string, args []any, scan func(rows *sql.Rows, t *T) error) ([]T, error) {
	rows, err := cachedRows(ctx, db, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var t T
		if err := scan(rows, &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// coverageList is cachedList for a coverage read at q, in o's transaction
// (or a new one), the roll-up readied first (Org.prepare).
func coverageList[T any](ctx context.Context, o *Org, q CoverageQuery, query string, args []any, scan func(rows *sql.Rows, t *T) error) ([]T, error) {
	var out []T
	err := o.run(ctx, func(db bun.IDB) error {
		if _, err := o.prepare(ctx, db, q); err != nil {
			return err
		}
		var err error
		out, err = cachedList(ctx, db, query, args, scan)
		return err
	})
	return out, err
}
