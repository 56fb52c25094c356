package org

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/secret"
	"github.com/upstand/upstand/app/store"
)

// Link is an enrolment link: shown to the admin once, never stored.
type Link struct {
	URL      string
	InviteID uuid.UUID
}

func (s *Service) link(secret string, id uuid.UUID) Link {
	return Link{URL: strings.TrimRight(s.cfg.BaseURL.String(), "/") + "/enrol/" + secret, InviteID: id}
}

// Invite creates a person and their one-time enrolment link.
func (s *Service) Invite(ctx context.Context, a Actor, d store.PersonDetails) (store.Person, Link, error) {
	var p store.Person
	var link Link
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		p, link, err = s.invite(ctx, tx, a, d)
		return err
	})
	return p, link, err
}

// invite creates the person and their link on tx, with its audit entry.
func (s *Service) invite(ctx context.Context, tx *store.Org, a Actor, d store.PersonDetails) (store.Person, Link, error) {
	name, email, err := cleanPerson(d.Name, d.Email)
	if err != nil {
		return store.Person{}, Link{}, err
	}
	tok, hash := secret.New()
	now := s.now()
	p, invite, err := tx.InvitePerson(ctx,
		store.NewPerson{Name: name, Email: email, UserHandle: secret.UserHandle(), IsTrainer: d.IsTrainer, IsOrgAdmin: d.IsOrgAdmin},
		d.Teams, d.Labels,
		store.NewInvite{TokenHash: hash, CreatedBy: a.Ref(), Now: now, ExpiresAt: now.Add(s.cfg.InviteTTL)})
	if err == nil {
		err = Record(ctx, tx, a, InviteCreate, &p.ID, map[string]any{"email": email, "roles": p.Roles()}, s.now())
	}
	if errors.Is(err, store.ErrConflict) {
		return store.Person{}, Link{}, invalid("email", "Someone in your organisation already has that email address.")
	}
	if err != nil {
		return store.Person{}, Link{}, err
	}
	return p, s.link(tok, invite.ID), nil
}

// Reenrol issues a fresh enrolment link to an existing person (lost
// passkeys, expired link) and withdraws their older open links.
func (s *Service) Reenrol(ctx context.Context, a Actor, personID uuid.UUID) (Link, error) {
	tok, hash := secret.New()
	now := s.now()
	var invite store.Invite
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		invite, err = tx.IssueInvite(ctx, personID,
			store.NewInvite{TokenHash: hash, CreatedBy: a.Ref(), Now: now, ExpiresAt: now.Add(s.cfg.InviteTTL)})
		if err != nil {
			return err
		}
		return Record(ctx, tx, a, InviteReenrol, &personID, nil, s.now())
	})
	if err != nil {
		return Link{}, err
	}
	return s.link(tok, invite.ID), nil
}

// RevokeInvite withdraws an open enrolment link.
func (s *Service) RevokeInvite(ctx context.Context, a Actor, inviteID uuid.UUID) error {
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		inv, err := tx.RevokeInvite(ctx, inviteID, s.now())
		if err != nil {
			return err
		}
		return Record(ctx, tx, a, InviteRevoke, &inv.PersonID, nil, s.now())
	})
}

// CreateOrganisation is the operator's bootstrap: an organisation and its
// first admin, with the admin's enrolment link.
func (s *Service) CreateOrganisation(ctx context.Context, orgName, adminName, adminEmail string) (store.Organisation, store.Person, Link, error) {
	orgName = strings.Join(strings.Fields(orgName), " ")
	if orgName == "" || utf8.RuneCountInString(orgName) > 200 {
		return store.Organisation{}, store.Person{}, Link{}, invalid("organisation", "Give the organisation a name of 1 to 200 characters.")
	}
	if _, _, err := cleanPerson(adminName, adminEmail); err != nil {
		return store.Organisation{}, store.Person{}, Link{}, err
	}
	org, err := s.st.Global().CreateOrganisation(ctx, orgName)
	if err != nil {
		return store.Organisation{}, store.Person{}, Link{}, err
	}
	a := Operator(s.st, org.ID, "operator")
	var p store.Person
	var link Link
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := Record(ctx, tx, a, OrgCreate, nil, map[string]any{"name": orgName}, s.now()); err != nil {
			return err
		}
		var err error
		p, link, err = s.invite(ctx, tx, a, store.PersonDetails{Name: adminName, Email: adminEmail, IsOrgAdmin: true})
		return err
	})
	if err != nil {
		return store.Organisation{}, store.Person{}, Link{}, fmt.Errorf("auth: first admin: %w", err)
	}
	return org, p, link, nil
}
