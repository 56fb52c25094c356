package store

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/fault"
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

// ErrInviteClosed means the link was used, withdrawn or has expired: it
// exists, but its state refuses the change.
var ErrInviteClosed error = fault.Wrap(fault.Conflict, errors.New("store: enrolment link is used, withdrawn or expired"))

// InvitePerson creates a person with their teams and labels and their first
// enrolment link, all or nothing.
func (o *Org) InvitePerson(ctx context.Context, np NewPerson, teams, labels []uuid.UUID, ni NewInvite) (Person, Invite, error) {
	var p Person
	var inv Invite
	err := o.InTx(ctx, func(tx *Org) error {
		var err error
		if p, err = tx.CreatePerson(ctx, np); err != nil {
			return err
		}
		if err := setGroups(ctx, tx.tx, Teams, o.id, p.ID, teams); err != nil {
			return err
		}
		if err := setGroups(ctx, tx.tx, Labels, o.id, p.ID, labels); err != nil {
			return err
		}
		inv, err = issueInvite(ctx, tx.tx, o.id, p.ID, ni)
		return err
	})
	return p, inv, err
}

// IssueInvite gives an existing person a new enrolment link (they lost their
// passkeys, or the first link expired) and withdraws their older open links.
func (o *Org) IssueInvite(ctx context.Context, personID uuid.UUID, ni NewInvite) (Invite, error) {
	var inv Invite
	err := o.run(ctx, func(db bun.IDB) error {
		var err error
		inv, err = issueInvite(ctx, db, o.id, personID, ni)
		return err
	})
	return inv, err
}

func issueInvite(ctx context.Context, db bun.IDB, orgID, personID uuid.UUID, ni NewInvite) (Invite, error) {
	var active bool
	if err := db.NewSelect().Table("people").Column("active").
		Where("org_id = ?", orgID).Where("id = ?", personID).For("UPDATE").Scan(ctx, &active); err != nil {
		return Invite{}, wrap("issue invite", err)
	}
	if !active {
		return Invite{}, wrap("issue invite", ErrNotFound)
	}
	if _, err := db.NewUpdate().Table("invites").Set("revoked_at = ?", ni.Now).
		Where("org_id = ?", orgID).Where("person_id = ?", personID).
		Where("used_at IS NULL").Where("revoked_at IS NULL").Exec(ctx); err != nil {
		return Invite{}, wrap("withdraw older invites", err)
	}
	inv := Invite{OrgID: orgID, PersonID: personID, TokenHash: ni.TokenHash, CreatedBy: ni.CreatedBy,
		CreatedAt: ni.Now, ExpiresAt: ni.ExpiresAt}
	_, err := db.NewInsert().Model(&inv).Returning("*").Exec(ctx)
	return inv, wrap("issue invite", err)
}

// InviteByToken finds an open enrolment link and its (active) person. It is
// not scoped by organisation: the token is the secret that decides it. A
// used, withdrawn or expired link is ErrInviteClosed.
func (g *Global) InviteByToken(ctx context.Context, tokenHash []byte, now time.Time) (Invite, Person, error) {
	var inv Invite
	var p Person
	err := g.run(ctx, func(db bun.IDB) error {
		if err := db.NewSelect().Model(&inv).Where("token_hash = ?", tokenHash).Scan(ctx); err != nil {
			return wrap("load invite", err)
		}
		if err := bindOrg(ctx, db, inv.OrgID); err != nil {
			return err
		}
		return wrap("load invite", selectPeople(db, inv.OrgID).Where("p.id = ?", inv.PersonID).Scan(ctx, &p))
	})
	if err != nil {
		return Invite{}, Person{}, err
	}
	if !inv.Open(now) || !p.Active {
		return Invite{}, Person{}, ErrInviteClosed
	}
	return inv, p, nil
}

// OpenInvites lists a person's enrolment links that can still be used.
func (o *Org) OpenInvites(ctx context.Context, personID uuid.UUID, now time.Time) ([]Invite, error) {
	var invs []Invite
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&invs).Where("org_id = ?", o.id).Where("person_id = ?", personID).
			Where("used_at IS NULL").Where("revoked_at IS NULL").Where("expires_at > ?", now).
			Order("created_at").Scan(ctx)
	})
	return invs, wrap("list open invites", err)
}

// RevokeInvite withdraws an open enrolment link.
func (o *Org) RevokeInvite(ctx context.Context, id uuid.UUID, now time.Time) (Invite, error) {
	var inv Invite
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewUpdate().Model(&inv).Set("revoked_at = ?", now).
			Where("org_id = ?", o.id).Where("id = ?", id).
			Where("used_at IS NULL").Where("revoked_at IS NULL").Returning("*").Scan(ctx)
	})
	return inv, wrap("revoke invite", err)
}
