package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// APIKey is an organisation's key for the xAPI statements endpoint
// (migration 20261203130000_exports). ID is its public name; only the
// hash of its secret is kept. PagingKey signs the endpoint's paging links
// and never leaves the server.
type APIKey struct {
	bun.BaseModel `bun:"table:api_keys,alias:ak"`

	ID         uuid.UUID  `bun:"id,pk,type:uuid"`
	OrgID      uuid.UUID  `bun:"org_id,type:uuid"`
	Name       string     `bun:"name"`
	SecretHash []byte     `bun:"secret_hash"`
	PagingKey  []byte     `bun:"paging_key"`
	CreatedBy  *uuid.UUID `bun:"created_by,type:uuid"` // nil: the operator
	CreatedAt  time.Time  `bun:"created_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

// Revoked reports whether the key has been revoked.
func (k APIKey) Revoked() bool { return k.RevokedAt != nil }

// CreateAPIKey stores a new key of the organisation's with a new id: its
// name, secret hash, paging key, creator and creation time as given.
func (o *Org) CreateAPIKey(ctx context.Context, k APIKey) (APIKey, error) {
	k.ID, k.OrgID = uuid.New(), o.id
	err := o.run(ctx, func(db bun.IDB) error {
		_, err := db.NewInsert().Model(&k).Exec(ctx)
		return err
	})
	return k, wrap("create api key", err)
}

// APIKeys lists the organisation's keys, revoked ones too, newest first.
func (o *Org) APIKeys(ctx context.Context) ([]APIKey, error) {
	var ks []APIKey
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&ks).Where("ak.org_id = ?", o.id).OrderExpr("ak.created_at DESC, ak.id").Scan(ctx)
	})
	return ks, wrap("list api keys", err)
}

// APIKey loads one of the organisation's keys.
func (o *Org) APIKey(ctx context.Context, id uuid.UUID) (APIKey, error) {
	var k APIKey
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&k).Where("ak.org_id = ? AND ak.id = ?", o.id, id).Scan(ctx)
	})
	return k, wrap("load api key", err)
}

// RevokeAPIKey revokes one of the organisation's keys at the given time.
// A key that is not the organisation's, or is revoked already, is
// ErrNotFound: there is nothing left to revoke.
func (o *Org) RevokeAPIKey(ctx context.Context, id uuid.UUID, at time.Time) error {
	return o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Model((*APIKey)(nil)).Set("revoked_at = ?", at).
			Where("ak.org_id = ? AND ak.id = ? AND ak.revoked_at IS NULL", o.id, id).Exec(ctx)
		return affected("revoke api key", res, err)
	})
}

// APIKeyByID finds a key by its id, revoked or not, in whichever
// organisation holds it. Not scoped by organisation: the caller proves it
// holds the key by its secret (compared with SecretHash), and the key then
// decides the organisation.
func (g *Global) APIKeyByID(ctx context.Context, id uuid.UUID) (APIKey, error) {
	var k APIKey
	err := g.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&k).Where("ak.id = ?", id).Scan(ctx)
	})
	return k, wrap("load api key", err)
}
