package store

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Invite is a one-time enrolment link. The token itself is never stored,
// only its SHA-256.
type Invite struct {
	bun.BaseModel `bun:"table:invites"`

	ID        uuid.UUID  `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	OrgID     uuid.UUID  `bun:"org_id,type:uuid"`
	PersonID  uuid.UUID  `bun:"person_id,type:uuid"`
	TokenHash []byte     `bun:"token_hash"`
	CreatedBy *uuid.UUID `bun:"created_by,type:uuid"`
	CreatedAt time.Time  `bun:"created_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
	UsedAt    *time.Time `bun:"used_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
}

// Open reports whether the link can still be used at now.
func (i Invite) Open(now time.Time) bool {
	return i.UsedAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}

// NewInvite is what is needed to issue an enrolment link.
type NewInvite struct {
	TokenHash []byte
	CreatedBy *uuid.UUID
	Now       time.Time
	ExpiresAt time.Time
}

// ErrInviteClosed means the link was used, withdrawn or has expired.
var ErrInviteClosed = errors.New("store: enrolment link is used, withdrawn or expired")

// InvitePerson creates a person with their teams and labels and their first
// enrolment link, all or nothing.
func (s *Store) InvitePerson(ctx context.Context, orgID uuid.UUID, np NewPerson, teams, labels []uuid.UUID, ni NewInvite) (Person, Invite, error) {
	var p Person
	var inv Invite
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p = Person{OrgID: orgID, Name: np.Name, Email: np.Email, UserHandle: np.UserHandle,
			IsTrainer: np.IsTrainer, IsOrgAdmin: np.IsOrgAdmin, Active: true}
		if _, err := tx.NewInsert().Model(&p).Returning("*").Exec(ctx); err != nil {
			return wrap("create person", err)
		}
		if err := setGroups(ctx, tx, Teams, orgID, p.ID, teams); err != nil {
			return err
		}
		if err := setGroups(ctx, tx, Labels, orgID, p.ID, labels); err != nil {
			return err
		}
		var err error
		inv, err = issueInvite(ctx, tx, orgID, p.ID, ni)
		return err
	})
	return p, inv, err
}

// IssueInvite gives an existing person a new enrolment link (they lost their
// passkeys, or the first link expired) and withdraws their older open links.
func (s *Store) IssueInvite(ctx context.Context, orgID, personID uuid.UUID, ni NewInvite) (Invite, error) {
	var inv Invite
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		inv, err = issueInvite(ctx, tx, orgID, personID, ni)
		return err
	})
	return inv, err
}

func issueInvite(ctx context.Context, tx bun.Tx, orgID, personID uuid.UUID, ni NewInvite) (Invite, error) {
	var active bool
	if err := tx.NewSelect().Table("people").Column("active").
		Where("org_id = ?", orgID).Where("id = ?", personID).For("UPDATE").Scan(ctx, &active); err != nil {
		return Invite{}, wrap("issue invite", err)
	}
	if !active {
		return Invite{}, wrap("issue invite", ErrNotFound)
	}
	if _, err := tx.NewUpdate().Table("invites").Set("revoked_at = ?", ni.Now).
		Where("org_id = ?", orgID).Where("person_id = ?", personID).
		Where("used_at IS NULL").Where("revoked_at IS NULL").Exec(ctx); err != nil {
		return Invite{}, wrap("withdraw older invites", err)
	}
	inv := Invite{OrgID: orgID, PersonID: personID, TokenHash: ni.TokenHash, CreatedBy: ni.CreatedBy,
		CreatedAt: ni.Now, ExpiresAt: ni.ExpiresAt}
	_, err := tx.NewInsert().Model(&inv).Returning("*").Exec(ctx)
	return inv, wrap("issue invite", err)
}

// InviteByToken finds an open enrolment link and its (active) person. It is
// not scoped by organisation: the token is the secret that decides it. A
// used, withdrawn or expired link is ErrInviteClosed.
func (s *Store) InviteByToken(ctx context.Context, tokenHash []byte, now time.Time) (Invite, Person, error) {
	var inv Invite
	if err := s.db.NewSelect().Model(&inv).Where("token_hash = ?", tokenHash).Scan(ctx); err != nil {
		return Invite{}, Person{}, wrap("load invite", err)
	}
	if !inv.Open(now) {
		return Invite{}, Person{}, ErrInviteClosed
	}
	p, err := s.Person(ctx, inv.OrgID, inv.PersonID)
	if err != nil {
		return Invite{}, Person{}, err
	}
	if !p.Active {
		return Invite{}, Person{}, ErrInviteClosed
	}
	return inv, p, nil
}

// OpenInvites lists a person's enrolment links that can still be used.
func (s *Store) OpenInvites(ctx context.Context, orgID, personID uuid.UUID, now time.Time) ([]Invite, error) {
	var invs []Invite
	err := s.db.NewSelect().Model(&invs).Where("org_id = ?", orgID).Where("person_id = ?", personID).
		Where("used_at IS NULL").Where("revoked_at IS NULL").Where("expires_at > ?", now).
		Order("created_at").Scan(ctx)
	return invs, wrap("list open invites", err)
}

// RevokeInvite withdraws an open enrolment link.
func (s *Store) RevokeInvite(ctx context.Context, orgID, id uuid.UUID, now time.Time) (Invite, error) {
	var inv Invite
	err := s.db.NewUpdate().Model(&inv).Set("revoked_at = ?", now).
		Where("org_id = ?", orgID).Where("id = ?", id).
		Where("used_at IS NULL").Where("revoked_at IS NULL").Returning("*").Scan(ctx)
	return inv, wrap("revoke invite", err)
}
