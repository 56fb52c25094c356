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
}

// CreateOrganisation adds an organisation (an operator action).
func (s *Store) CreateOrganisation(ctx context.Context, name string) (Organisation, error) {
	o := Organisation{Name: name}
	_, err := s.db.NewInsert().Model(&o).Returning("*").Exec(ctx)
	return o, wrap("create organisation", err)
}

// Organisation loads one organisation by id.
func (s *Store) Organisation(ctx context.Context, id uuid.UUID) (Organisation, error) {
	var o Organisation
	err := s.db.NewSelect().Model(&o).Where("id = ?", id).Scan(ctx)
	return o, wrap("load organisation", err)
}

// Organisations lists every organisation, oldest first (an operator view).
func (s *Store) Organisations(ctx context.Context) ([]Organisation, error) {
	var os []Organisation
	err := s.db.NewSelect().Model(&os).Order("created_at", "id").Scan(ctx)
	return os, wrap("list organisations", err)
}
