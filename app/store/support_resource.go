package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// SupportResource is a place an organisation's people can turn to for
// support (an employee assistance programme, a helpline, a named contact),
// shown on every course page. It has a link, a phone number or both.
type SupportResource struct {
	bun.BaseModel `bun:"table:support_resources,alias:sr"`

	ID          uuid.UUID `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	OrgID       uuid.UUID `bun:"org_id,type:uuid"`
	Name        string    `bun:"name"`
	Description string    `bun:"description"`
	Link        string    `bun:"link"`
	Phone       string    `bun:"phone"`
	Position    int       `bun:"position"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

// SupportResources lists the organisation's resources in display order.
func (o *Org) SupportResources(ctx context.Context) ([]SupportResource, error) {
	var rs []SupportResource
	err := o.run(ctx, func(db bun.IDB) error { return o.selectSupportResources(db).Scan(ctx, &rs) })
	return rs, wrap("list support resources", err)
}

func (o *Org) selectSupportResources(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Model((*SupportResource)(nil)).Where("org_id = ?", o.id).
		OrderExpr("position, lower(name), id")
}

// SupportResource loads one of the organisation's resources.
func (o *Org) SupportResource(ctx context.Context, id uuid.UUID) (SupportResource, error) {
	var r SupportResource
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&r).Where("org_id = ?", o.id).Where("id = ?", id).Scan(ctx)
	})
	return r, wrap("load support resource", err)
}

// CreateSupportResource adds a resource at the end of the list.
func (o *Org) CreateSupportResource(ctx context.Context, r SupportResource) (SupportResource, error) {
	r.ID = uuid.New()
	r.OrgID = o.id
	r.UpdatedAt = r.CreatedAt
	err := o.run(ctx, func(db bun.IDB) error {
		_, err := db.NewInsert().Model(&r).
			Value("position", "(SELECT coalesce(max(position), 0) + 1 FROM support_resources WHERE org_id = ?)", o.id).
			Returning("*").Exec(ctx)
		return err
	})
	return r, wrap("create support resource", err)
}

// UpdateSupportResource changes a resource's name, description, link and
// phone.
func (o *Org) UpdateSupportResource(ctx context.Context, r SupportResource) error {
	return o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Table("support_resources").
			Set("name = ?", r.Name).Set("description = ?", r.Description).
			Set("link = ?", r.Link).Set("phone = ?", r.Phone).Set("updated_at = ?", r.UpdatedAt).
			Where("org_id = ?", o.id).Where("id = ?", r.ID).Exec(ctx)
		return affected("update support resource", res, err)
	})
}

// DeleteSupportResource removes a resource.
func (o *Org) DeleteSupportResource(ctx context.Context, id uuid.UUID) error {
	return o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewDelete().Table("support_resources").
			Where("org_id = ?", o.id).Where("id = ?", id).Exec(ctx)
		return affected("delete support resource", res, err)
	})
}
