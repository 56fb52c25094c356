package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Memberships maps each person of the organisation who is in any team (or
// label) to those teams, by name: the admin's people list needs everyone's
// at once, and one query beats two per person.
func (o *Org) Memberships(ctx context.Context, k GroupKind) (map[uuid.UUID][]Group, error) {
	var rows []struct {
		PersonID uuid.UUID `bun:"person_id"`
		Group
	}
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().TableExpr("? AS g", bun.Ident(k.table)).
			ColumnExpr("m.person_id, g.id, g.org_id, g.name, g.created_at").
			Join("JOIN ? AS m ON m.? = g.id AND m.org_id = g.org_id", bun.Ident(k.members), bun.Ident(k.column)).
			Where("g.org_id = ?", o.id).
			OrderExpr("lower(g.name), g.id").Scan(ctx, &rows)
	})
	if err != nil {
		return nil, wrap("list "+k.Noun+" memberships", err)
	}
	out := make(map[uuid.UUID][]Group)
	for _, r := range rows {
		out[r.PersonID] = append(out[r.PersonID], r.Group)
	}
	return out, nil
}
