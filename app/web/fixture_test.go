package web

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
)

// Fixtures for the identity tests (admin pages, sessions, CSRF, tenant
// isolation): organisations with everything a route can name.

// operator is an Actor for setting up data as the operator would.
func (s *testServer) operator(id uuid.UUID) org.Actor { return org.Operator(s.st, id, "operator") }

// tenant is a fixture.Tenant (an organisation with a row of every kind)
// whose admin, member and trainer have enrolled passkeys from their links
// and are signed in, each in a browser of their own.
type tenant struct {
	*fixture.Tenant
	adminV, memberV, trainerV       *browser
	adminKey, memberKey, trainerKey *passkey
	passkeyID                       string // the member's, base64url, as in /account/passkeys/:id
	// apiKey is a live API key of the organisation's, made by its admin.
	apiKey org.NewAPIKey
}

// newTenant builds an organisation whose every name carries tag, so that
// its data is easy to spot in another organisation's pages.
func (s *testServer) newTenant(t testing.TB, tag string) *tenant {
	t.Helper()
	x := &tenant{Tenant: fixture.NewTenant(t, fixture.Services{Store: s.st, Org: s.org, Learning: s.learn,
		Catalogues: s.cats, Authoring: s.studio, Coverage: s.cover}, tag)}
	x.adminV = s.browser(t)
	x.adminKey = x.adminV.enrol(x.AdminLink.URL)
	x.memberV = s.browser(t)
	x.memberKey = x.memberV.enrol(x.MemberLink.URL)
	x.trainerV = s.browser(t)
	x.trainerKey = x.trainerV.enrol(x.TrainerLink.URL)
	keys, err := s.st.Org(x.Org.ID).Member(x.Member.ID).Credentials(context.Background())
	if err != nil || len(keys) != 1 {
		t.Fatalf("member passkeys: %v %v", keys, err)
	}
	x.passkeyID = passkeyKey(keys[0].ID)
	if x.apiKey, err = s.org.CreateAPIKey(context.Background(), org.ActorFor(s.st, x.Admin, ""), tag+" Record Store"); err != nil {
		t.Fatal(err)
	}
	x.Secrets = append(x.Secrets, x.apiKey.Name, x.apiKey.Secret)
	return x
}

// leaks returns the other organisation's secrets that appear in body.
func (x *tenant) leaks(body string) []string {
	var found []string
	for _, s := range x.Secrets {
		if strings.Contains(body, s) {
			found = append(found, s)
		}
	}
	return found
}

// passkeyKey is a credential id as the account page puts it in URLs.
func passkeyKey(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }
