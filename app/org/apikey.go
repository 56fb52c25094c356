package org

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/secret"
	"github.com/upstand/upstand/app/store"
)

// API keys let a program — a learning record store, a reporting tool —
// read the organisation's xAPI statements (docs/coverage.md, "Exports").
// An org admin (or the operator) makes one and sees its secret once; only
// the secret's hash is kept. A key can be revoked, never changed or
// revived. Both are audited.

// NewAPIKey is a key just made, with its secret: the only time the secret
// is known.
type NewAPIKey struct {
	store.APIKey
	Secret string
}

// Credentials are the key as a program sends it: "ID:SECRET", the HTTP
// Basic user and password.
func (k NewAPIKey) Credentials() string { return k.ID.String() + ":" + k.Secret }

// MaxAPIKeyName is the longest name a key may have, in characters.
const MaxAPIKeyName = 100

// ErrNotOrgAdmin is what someone who is not an org admin gets from the
// admin-only services: as if the page did not exist.
var ErrNotOrgAdmin = fault.New(fault.NotFound, "There is no such page.")

// requireOrgAdmin is ErrNotOrgAdmin unless a is an active org admin of
// their organisation, or the operator.
func requireOrgAdmin(ctx context.Context, tx *store.Org, a Actor) error {
	if a.PersonID == uuid.Nil {
		return nil
	}
	p, err := tx.Person(ctx, a.PersonID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!p.Active || !p.IsOrgAdmin)) {
		return ErrNotOrgAdmin
	}
	return err
}

// APIKeys lists the organisation's keys, revoked ones too, newest first.
func (s *Service) APIKeys(ctx context.Context, a Actor) ([]store.APIKey, error) {
	var ks []store.APIKey
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := requireOrgAdmin(ctx, tx, a); err != nil {
			return err
		}
		var err error
		ks, err = tx.APIKeys(ctx)
		return err
	})
	return ks, err
}

// CreateAPIKey makes a key named name (what it is for: "Our LRS"),
// audited. The secret in the result is never stored.
func (s *Service) CreateAPIKey(ctx context.Context, a Actor, name string) (NewAPIKey, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return NewAPIKey{}, invalid("name", "Give the key a name that says what uses it, such as “Our learning record store”.")
	case utf8.RuneCountInString(name) > MaxAPIKeyName:
		return NewAPIKey{}, invalid("name", "The name is longer than 100 characters.")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return NewAPIKey{}, invalid("name", "The name must be on one line.")
	}
	token, hash := secret.New()
	paging := make([]byte, 32)
	if _, err := rand.Read(paging); err != nil {
		return NewAPIKey{}, err
	}
	k := store.APIKey{Name: name, SecretHash: hash, PagingKey: paging, CreatedBy: a.Ref(), CreatedAt: s.now().UTC()}
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := requireOrgAdmin(ctx, tx, a); err != nil {
			return err
		}
		var err error
		if k, err = tx.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		return Record(ctx, tx, a, APIKeyCreate, nil, map[string]any{"name": k.Name, "key": k.ID.String()}, s.now())
	})
	if err != nil {
		return NewAPIKey{}, err
	}
	return NewAPIKey{APIKey: k, Secret: token}, nil
}

// ErrKeyRevoked refuses to revoke a key twice.
var ErrKeyRevoked = fault.New(fault.Conflict, "That key was revoked already.")

// RevokeAPIKey revokes one of the organisation's keys, audited: it stops
// working at once. Another organisation's key is not found.
func (s *Service) RevokeAPIKey(ctx context.Context, a Actor, id uuid.UUID) (store.APIKey, error) {
	var k store.APIKey
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := requireOrgAdmin(ctx, tx, a); err != nil {
			return err
		}
		var err error
		if k, err = tx.APIKey(ctx, id); err != nil {
			return err
		}
		if k.Revoked() {
			return ErrKeyRevoked
		}
		now := s.now().UTC()
		if err := tx.RevokeAPIKey(ctx, id, now); err != nil {
			return err
		}
		k.RevokedAt = &now
		return Record(ctx, tx, a, APIKeyRevoke, nil, map[string]any{"name": k.Name, "key": k.ID.String()}, s.now())
	})
	return k, err
}

// APIClient is a program reading the organisation's statements with one
// of its API keys. Org is bound to the key's organisation: nothing else
// is reachable through it.
type APIClient struct {
	Org   *store.Org
	KeyID uuid.UUID
	// pagingKey signs the client's more links.
	pagingKey []byte
}

// ErrBadAPIKey is the one answer to credentials that do not open a key:
// an unknown id, a wrong secret, a revoked key. It does not say which.
var ErrBadAPIKey = fault.New(fault.Unauthenticated,
	"The API key is not valid: send a live key of your organisation as HTTP Basic credentials, its id as the user and its secret as the password.")

// dummyHash is compared when the key id is unknown, so an unknown id
// takes as long to refuse as a wrong secret.
var dummyHash = secret.Hash("no such key")

// AuthenticateAPIKey opens a key by its id and secret (as sent: the
// HTTP Basic user and password). The key decides the organisation.
func (s *Service) AuthenticateAPIKey(ctx context.Context, id, secretText string) (APIClient, error) {
	kid, err := uuid.Parse(id)
	if err != nil {
		return APIClient{}, ErrBadAPIKey
	}
	k, err := s.st.Global().APIKeyByID(ctx, kid)
	if errors.Is(err, store.ErrNotFound) {
		subtle.ConstantTimeCompare(secret.Hash(secretText), dummyHash)
		return APIClient{}, ErrBadAPIKey
	}
	if err != nil {
		return APIClient{}, err
	}
	if subtle.ConstantTimeCompare(secret.Hash(secretText), k.SecretHash) != 1 || k.Revoked() {
		return APIClient{}, ErrBadAPIKey
	}
	return APIClient{Org: s.st.Org(k.OrgID), KeyID: k.ID, pagingKey: k.PagingKey}, nil
}
