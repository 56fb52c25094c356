package store

import "github.com/uptrace/bun"

// UnscopedForTest is the raw transaction inside an organisation handle's
// InTx, so a test can run a query that forgets its where clause and show
// that row-level security still holds.
func UnscopedForTest(o *Org) bun.IDB { return o.tx }

// WrapForTest is wrap, for the tests of how errors are classified.
func WrapForTest(what string, err error) error { return wrap(what, err) }
