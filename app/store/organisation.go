package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Organisation is one customer: its people, teams and records are walled
// off from every other organisation's.
type Organisation struct {
	bun.BaseModel `bun:"table:organisations"`

	ID        uuid.UUID `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	Name      string    `bun:"name"`
	CreatedAt time.Time `bun:"created_at,nullzero,default:now()"`
	// ReviewRequired: a second trainer approves authored content before
	// it is published.
	ReviewRequired bool `bun:"review_required"`
	// DueSoonDays is how close a due date or an expiry counts as "due
	// soon" (30 unless the organisation changed it).
	DueSoonDays int `bun:"due_soon_days,nullzero,default:30"`
	// ResponderLabelID is the job label that makes someone a responder
	// for the roster; nil when none is chosen.
	ResponderLabelID *uuid.UUID `bun:"responder_label_id,type:uuid"`
}

// CreateOrganisation adds an organisation (an operator action).
func (g *Global) CreateOrganisation(ctx context.Context, name string) (Organisation, error) {
	o := Organisation{Name: name}
	_, err := g.s.db.NewInsert().Model(&o).Returning("*").Exec(ctx)
	return o, wrap("create organisation", err)
}

// Organisation loads the handle's organisation.
func (o *Org) Organisation(ctx context.Context) (Organisation, error) {
	var org Organisation
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&org).Where("id = ?", o.id).Scan(ctx)
	})
	return org, wrap("load organisation", err)
}

// Organisations lists every organisation, oldest first (an operator view).
func (g *Global) Organisations(ctx context.Context) ([]Organisation, error) {
	var os []Organisation
	err := g.s.db.NewSelect().Model(&os).Order("created_at", "id").Scan(ctx)
	return os, wrap("list organisations", err)
}
