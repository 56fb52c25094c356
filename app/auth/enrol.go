package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
)

// InputError is a problem with what someone typed; its text is shown to
// them. It is a fault.Invalid (its Unwrap says so) without a field: new
// code returns inputError, which names the field. It stays while
// app/auth/admin.go and the web admin handlers still name it.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// Unwrap makes an InputError a fault.Invalid for fault.As and KindOf.
func (e *InputError) Unwrap() error { return fault.Input("", e.Msg) }

// inputError is a fault.Invalid about one field (in the service's words:
// "name", "email"). errors.As also finds it as an *InputError, so the
// handlers that still look for one keep working.
func inputError(field, msg string) error {
	return &fieldError{f: fault.Error{Kind: fault.Invalid, Field: field, Msg: msg}}
}

type fieldError struct{ f fault.Error }

func (e *fieldError) Error() string { return e.f.Msg }
func (e *fieldError) Unwrap() error { return &e.f }

// As lets errors.As find the error as an *InputError.
func (e *fieldError) As(target any) bool {
	if in, ok := target.(**InputError); ok {
		*in = &InputError{Msg: e.f.Msg}
		return true
	}
	return false
}

// cleanPerson checks and normalises a name and email.
func cleanPerson(name, email string) (string, string, error) {
	name = strings.Join(strings.Fields(name), " ")
	email = strings.TrimSpace(email)
	switch {
	case name == "":
		return "", "", inputError("name", "Enter the person's name.")
	case utf8.RuneCountInString(name) > 200:
		return "", "", inputError("name", "The name is too long (200 characters at most).")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 320 {
		return "", "", inputError("email", "Enter an email address like name@example.org.")
	}
	return name, email, nil
}

// Link is an enrolment link: shown to the admin once, never stored.
type Link struct {
	URL      string
	InviteID uuid.UUID
}

func (s *Service) link(token string, id uuid.UUID) Link {
	return Link{URL: strings.TrimRight(s.cfg.BaseURL.String(), "/") + "/enrol/" + token, InviteID: id}
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
	token, hash := newSecret()
	now := s.now()
	p, invite, err := tx.InvitePerson(ctx,
		store.NewPerson{Name: name, Email: email, UserHandle: newUserHandle(), IsTrainer: d.IsTrainer, IsOrgAdmin: d.IsOrgAdmin},
		d.Teams, d.Labels,
		store.NewInvite{TokenHash: hash, CreatedBy: a.ref(), Now: now, ExpiresAt: now.Add(s.cfg.InviteTTL)})
	if err == nil {
		err = s.audit(ctx, tx, a, "invite.create", &p.ID, map[string]any{"email": email, "roles": p.Roles()})
	}
	if errors.Is(err, store.ErrConflict) {
		return store.Person{}, Link{}, &InputError{"Someone in your organisation already has that email address."}
	}
	if err != nil {
		return store.Person{}, Link{}, err
	}
	return p, s.link(token, invite.ID), nil
}

// Reenrol issues a fresh enrolment link to an existing person (lost
// passkeys, expired link) and withdraws their older open links.
func (s *Service) Reenrol(ctx context.Context, a Actor, personID uuid.UUID) (Link, error) {
	token, hash := newSecret()
	now := s.now()
	var invite store.Invite
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		invite, err = tx.IssueInvite(ctx, personID,
			store.NewInvite{TokenHash: hash, CreatedBy: a.ref(), Now: now, ExpiresAt: now.Add(s.cfg.InviteTTL)})
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "invite.reenrol", &personID, nil)
	})
	if err != nil {
		return Link{}, err
	}
	return s.link(token, invite.ID), nil
}

// RevokeInvite withdraws an open enrolment link.
func (s *Service) RevokeInvite(ctx context.Context, a Actor, inviteID uuid.UUID) error {
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		inv, err := tx.RevokeInvite(ctx, inviteID, s.now())
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "invite.revoke", &inv.PersonID, nil)
	})
}

// CreateOrganisation is the operator's bootstrap: an organisation and its
// first admin, with the admin's enrolment link.
func (s *Service) CreateOrganisation(ctx context.Context, orgName, adminName, adminEmail string) (store.Organisation, store.Person, Link, error) {
	orgName = strings.Join(strings.Fields(orgName), " ")
	if orgName == "" || utf8.RuneCountInString(orgName) > 200 {
		return store.Organisation{}, store.Person{}, Link{}, inputError("organisation", "Give the organisation a name of 1 to 200 characters.")
	}
	if _, _, err := cleanPerson(adminName, adminEmail); err != nil {
		return store.Organisation{}, store.Person{}, Link{}, err
	}
	org, err := s.st.Global().CreateOrganisation(ctx, orgName)
	if err != nil {
		return store.Organisation{}, store.Person{}, Link{}, err
	}
	a := s.Operator(org.ID, "operator")
	var p store.Person
	var link Link
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := s.audit(ctx, tx, a, "org.create", nil, map[string]any{"name": orgName}); err != nil {
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

// Enrolment is an open enrolment link and the person it is for.
type Enrolment struct {
	Invite store.Invite
	Person store.Person
}

// OpenEnrolment checks an enrolment link without using it.
func (s *Service) OpenEnrolment(ctx context.Context, token string) (Enrolment, error) {
	inv, p, err := s.st.Global().InviteByToken(ctx, hashSecret(token), s.now())
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInviteClosed) {
		return Enrolment{}, ErrLinkInvalid
	}
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Invite: inv, Person: p}, nil
}

// BeginEnrol starts registering a passkey from an enrolment link.
func (s *Service) BeginEnrol(ctx context.Context, token string) (Ceremony, error) {
	e, err := s.OpenEnrolment(ctx, token)
	if err != nil {
		return Ceremony{}, err
	}
	return s.beginRegistration(ctx, e.Person)
}

// FinishEnrol verifies the new passkey, stores it and uses up the link, all
// or nothing. The caller then starts a session for the returned person.
func (s *Service) FinishEnrol(ctx context.Context, token, ceremonyID string, body []byte, name, ip string) (store.Person, error) {
	e, err := s.OpenEnrolment(ctx, token)
	if err != nil {
		return store.Person{}, err
	}
	cred, err := s.finishRegistration(ctx, e.Person, ceremonyID, body, name)
	if err != nil {
		return store.Person{}, err
	}
	a := s.ActorFor(e.Person, ip)
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.Member(e.Person.ID).EnrolCredential(ctx, e.Invite.ID, cred, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "enrol", &e.Person.ID, map[string]any{"passkey": cred.Name})
	})
	if errors.Is(err, store.ErrInviteClosed) {
		return store.Person{}, ErrLinkInvalid
	}
	if err != nil {
		return store.Person{}, err
	}
	return e.Person, nil
}
