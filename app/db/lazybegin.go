package db

import (
	"context"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Every transaction of the store starts with BEGIN and then a set_config
// (the organisation, or the cross-organisation lookup), which database/sql
// would send as two round trips. lazyConn holds a default transaction's
// BEGIN back and sends it with the transaction's first statement: in the
// same round trip when that statement has no separate arguments (the
// simple protocol takes several statements at once: "BEGIN; SELECT
// set_config(...)"), or just before it otherwise. Nothing else changes:
// the transaction is the same, as database/sql, bun and River see it, and
// a transaction that sends nothing costs nothing.

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
	return &lazyConn{Conn: sc}, nil
}

// lazyConn is pgx's database/sql connection with BEGIN held back.
type lazyConn struct {
	*stdlib.Conn
	pending bool // BEGIN is owed before the next statement
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
	c.pending = true
	return &lazyTx{c: c, ctx: ctx}, nil
}

func (c *lazyConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// begin sends the BEGIN owed, alone.
func (c *lazyConn) begin(ctx context.Context) error {
	if !c.pending {
		return nil
	}
	c.pending = false
	_, err := c.Conn.Conn().Exec(ctx, "BEGIN")
	return err
}

func (c *lazyConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.pending && len(args) == 0 {
		c.pending = false
		return c.Conn.ExecContext(ctx, "BEGIN; "+query, nil)
	}
	if err := c.begin(ctx); err != nil {
		return nil, err
	}
	return c.Conn.ExecContext(ctx, query, args)
}

func (c *lazyConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
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
	if c.pending { // never left open by database/sql; refuse to reuse it if it were
		return driver.ErrBadConn
	}
	return c.Conn.ResetSession(ctx)
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
	if t.c.pending {
		t.c.pending = false
		return nil
	}
	tag, err := t.end("COMMIT")
	if err == nil && tag == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return err
}

func (t *lazyTx) Rollback() error {
	if t.c.pending {
		t.c.pending = false
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
