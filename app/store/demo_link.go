package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// DemoLink is a one-time sign-in link that needs no passkey, made only in
// demo mode. The token itself is never stored, only its SHA-256.
type DemoLink struct {
	bun.BaseModel `bun:"table:demo_links"`

	TokenHash []byte    `bun:"token_hash,pk"`
	OrgID     uuid.UUID `bun:"org_id,type:uuid"`
	PersonID  uuid.UUID `bun:"person_id,type:uuid"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
}

// CreateDemoLink stores a new demo link for the person.
func (m *Member) CreateDemoLink(ctx context.Context, l DemoLink) error {
	l.OrgID, l.PersonID = m.o.id, m.id
	return wrap("create demo link", m.run(ctx, func(db bun.IDB) error {
		_, err := db.NewInsert().Model(&l).Exec(ctx)
		return err
	}))
}

// DemoLinkByToken finds an unexpired demo link and its active person
// without using it. Not scoped by organisation: the token decides it.
func (g *Global) DemoLinkByToken(ctx context.Context, tokenHash []byte, now time.Time) (DemoLink, Person, error) {
	return g.demoLink(ctx, "load demo link", func(db bun.IDB, l *DemoLink) error {
		return db.NewSelect().Model(l).Where("token_hash = ?", tokenHash).Where("expires_at > ?", now).Scan(ctx)
	}, nil)
}

// TakeDemoLink uses a demo link up: it deletes the row as it reads it, so
// of two requests with the same token only one gets the person. Not scoped
// by organisation: the token decides it. An expired link, or one whose
// person is deactivated, is ErrNotFound. then runs in the same
// transaction, bound to the link's organisation (to write the audit
// entry): if it fails, the link is not used up.
func (g *Global) TakeDemoLink(ctx context.Context, tokenHash []byte, now time.Time, then func(tx *Org, p Person) error) (DemoLink, Person, error) {
	return g.demoLink(ctx, "take demo link", func(db bun.IDB, l *DemoLink) error {
		return db.NewRaw("DELETE FROM demo_links WHERE token_hash = ? AND expires_at > ? RETURNING *", tokenHash, now).Scan(ctx, l)
	}, then)
}

// demoLink finds a link with find and then its person, as the organisation
// the token decided, all in one transaction.
func (g *Global) demoLink(ctx context.Context, what string, find func(db bun.IDB, l *DemoLink) error, then func(tx *Org, p Person) error) (DemoLink, Person, error) {
	var l DemoLink
	var p Person
	err := g.run(ctx, func(db bun.IDB) error {
		if err := find(db, &l); err != nil {
			return err
		}
		if err := bindOrg(ctx, db, l.OrgID); err != nil {
			return err
		}
		if err := selectPeople(db, l.OrgID).Where("p.id = ?", l.PersonID).Where("p.active").Scan(ctx, &p); err != nil {
			return wrap(what, err)
		}
		if then != nil {
			return then(&Org{s: g.s, id: l.OrgID, tx: db}, p)
		}
		return nil
	})
	if err != nil {
		return DemoLink{}, Person{}, wrap(what, err)
	}
	return l, p, nil
}
