package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Org is the store bound to one organisation: every method reads and writes
// that organisation's rows only. Get it once per request from the signed-in
// session (Store.Org), never from a request parameter. Each method runs in a
// transaction that sets upstand.org_id, so PostgreSQL's row-level security
// holds even if a query forgets its where clause; InTx runs several calls
// in one such transaction, all or nothing.
type Org struct {
	s  *Store
	id uuid.UUID
	tx bun.IDB // the open transaction, inside InTx; nil otherwise
	// prepared is the coverage read the transaction readied last
	// (Org.prepare), so several reads in one transaction ready it once.
	prepared *preparedRead
}

// Org binds the store to one organisation.
func (s *Store) Org(id uuid.UUID) *Org { return &Org{s: s, id: id} }

// ID is the organisation the handle is bound to.
func (o *Org) ID() uuid.UUID { return o.id }

// InTransaction reports whether the handle is bound to an open
// transaction (its calls then run one after another on its connection).
func (o *Org) InTransaction() bool { return o.tx != nil }

// InTx runs fn in one transaction bound to the organisation, committed only
// if fn returns nil. Calls on tx inside fn join it; an InTx inside another
// joins the outer transaction.
func (o *Org) InTx(ctx context.Context, fn func(tx *Org) error) error {
	if o.tx != nil {
		return fn(o)
	}
	return outage(o.s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := bindOrg(ctx, tx, o.id); err != nil {
			return err
		}
		return fn(&Org{s: o.s, id: o.id, tx: tx})
	}))
}

// run runs fn on the handle's transaction, or in a new one bound to the
// organisation.
func (o *Org) run(ctx context.Context, fn func(db bun.IDB) error) error {
	return o.InTx(ctx, func(tx *Org) error { return fn(tx.tx) })
}

func bindOrg(ctx context.Context, tx bun.IDB, id uuid.UUID) error {
	_, err := tx.ExecContext(ctx, "SELECT set_config('upstand.org_id', ?, true)", id.String())
	return wrap("bind organisation", err)
}

// Member is the store bound to one person of one organisation: their own
// records (attempts, choices, answers, notes, completions, passkeys and
// sessions). No method takes a person id, so no call can read someone
// else's records through it.
type Member struct {
	o  *Org
	id uuid.UUID
}

// Member binds the organisation handle to one of its people. The id comes
// from the signed-in session (or a record the organisation owns), never
// from a request parameter naming whose records to read.
func (o *Org) Member(personID uuid.UUID) *Member { return &Member{o: o, id: personID} }

// PersonID is the person the handle is bound to.
func (m *Member) PersonID() uuid.UUID { return m.id }

// Org is the organisation handle the member handle came from.
func (m *Member) Org() *Org { return m.o }

// InTx runs fn in one transaction, like Org.InTx.
func (m *Member) InTx(ctx context.Context, fn func(tx *Member) error) error {
	return m.o.InTx(ctx, func(tx *Org) error { return fn(tx.Member(m.id)) })
}

func (m *Member) run(ctx context.Context, fn func(db bun.IDB) error) error { return m.o.run(ctx, fn) }

// Global is the small surface that works across organisations: lookups by
// a secret that itself decides the organisation (a session token hash, a
// passkey user handle, an enrolment token hash, a certificate code, an API
// key), the
// operator's organisation list, content versions (shared by everyone),
// passkey ceremonies and housekeeping. PostgreSQL lets it through only the
// narrow policies named in the org_scope migration.
type Global struct{ s *Store }

// Global is the cross-organisation surface.
func (s *Store) Global() *Global { return &Global{s: s} }

// run runs fn in a transaction with upstand.system on, which the
// cross-organisation policies require.
func (g *Global) run(ctx context.Context, fn func(db bun.IDB) error) error {
	return outage(g.s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('upstand.system', 'on', true)"); err != nil {
			return wrap("cross-organisation lookup", err)
		}
		return fn(tx)
	}))
}
