package auth

import (
	"context"
	"errors"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/secret"
	"github.com/upstand/upstand/app/store"
)

// Enrolment is an open enrolment link and the person it is for.
type Enrolment struct {
	Invite store.Invite
	Person store.Person
}

// OpenEnrolment checks an enrolment link without using it.
func (s *Service) OpenEnrolment(ctx context.Context, token string) (Enrolment, error) {
	inv, p, err := s.st.Global().InviteByToken(ctx, secret.Hash(token), s.now())
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
	cred, err := s.finishRegistration(ctx, e.Person, ceremonyID, body, name, ip, org.EnrolFailed)
	if err != nil {
		return store.Person{}, err
	}
	a := s.actorFor(e.Person, ip)
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.Member(e.Person.ID).EnrolCredential(ctx, e.Invite.ID, cred, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, org.Enrol, &e.Person.ID, map[string]any{"passkey": cred.Name})
	})
	if errors.Is(err, store.ErrInviteClosed) {
		return store.Person{}, ErrLinkInvalid
	}
	if err != nil {
		return store.Person{}, err
	}
	return e.Person, nil
}
