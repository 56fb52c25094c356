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

// CreateDemoLink stores a new demo link for a person of its organisation.
func (s *Store) CreateDemoLink(ctx context.Context, l DemoLink) error {
	_, err := s.db.NewInsert().Model(&l).Exec(ctx)
	return wrap("create demo link", err)
}

// DemoLinkByToken finds an unexpired demo link and its active person
// without using it. Not scoped by organisation: the token decides it.
func (s *Store) DemoLinkByToken(ctx context.Context, tokenHash []byte, now time.Time) (DemoLink, Person, error) {
	var l DemoLink
	if err := s.db.NewSelect().Model(&l).Where("token_hash = ?", tokenHash).Where("expires_at > ?", now).Scan(ctx); err != nil {
		return DemoLink{}, Person{}, wrap("load demo link", err)
	}
	return s.demoLinkPerson(ctx, l)
}

// TakeDemoLink uses a demo link up: it deletes the row as it reads it, so
// of two requests with the same token only one gets the person. Not scoped
// by organisation: the token decides it. An expired link, or one whose
// person is deactivated, is ErrNotFound.
func (s *Store) TakeDemoLink(ctx context.Context, tokenHash []byte, now time.Time) (DemoLink, Person, error) {
	var l DemoLink
	err := s.db.NewRaw("DELETE FROM demo_links WHERE token_hash = ? AND expires_at > ? RETURNING *", tokenHash, now).Scan(ctx, &l)
	if err != nil {
		return DemoLink{}, Person{}, wrap("take demo link", err)
	}
	return s.demoLinkPerson(ctx, l)
}

func (s *Store) demoLinkPerson(ctx context.Context, l DemoLink) (DemoLink, Person, error) {
	p, err := s.Person(ctx, l.OrgID, l.PersonID)
	if err != nil {
		return DemoLink{}, Person{}, err
	}
	if !p.Active {
		return DemoLink{}, Person{}, wrap("load demo link", ErrNotFound)
	}
	return l, p, nil
}
