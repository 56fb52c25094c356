package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/secret"
	"github.com/upstand/upstand/app/store"
)

// DemoLinkTTL is how long a demo sign-in link stays usable.
const DemoLinkTTL = 24 * time.Hour

// ErrDemoLinkInvalid covers unknown, used and expired demo links alike.
var ErrDemoLinkInvalid error = fault.New(fault.NotFound, "This demo link cannot be used: each demo link works once, for 24 hours. Restart the server with --demo to print new ones.")

// IssueDemoLink makes a one-time link that signs p in without a passkey
// and returns its URL. The caller (the demo start-up) is responsible for
// only doing so in demo mode on a loopback base URL; the web layer only
// accepts the links then.
func (s *Service) IssueDemoLink(ctx context.Context, a org.Actor, p store.Person) (string, error) {
	token, hash := secret.New()
	now := s.now()
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.Member(p.ID).CreateDemoLink(ctx, store.DemoLink{TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(DemoLinkTTL)}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, org.DemoLink, &p.ID, nil)
	})
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.cfg.BaseURL.String(), "/") + "/demo/" + token, nil
}

// OpenDemoLink checks a demo link without using it.
func (s *Service) OpenDemoLink(ctx context.Context, token string) (store.Person, error) {
	_, p, err := s.st.Global().DemoLinkByToken(ctx, secret.Hash(token), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return store.Person{}, ErrDemoLinkInvalid
	}
	return p, err
}

// UseDemoLink uses a demo link up and returns the person it signs in. It
// is audited as a sign-in, or as a refused one; the caller then starts a
// demo session.
func (s *Service) UseDemoLink(ctx context.Context, token, ip string) (store.Person, error) {
	_, p, err := s.st.Global().TakeDemoLink(ctx, secret.Hash(token), s.now(), func(tx *store.Org, p store.Person) error {
		return s.audit(ctx, tx, s.actorFor(p, ip), org.SignIn, &p.ID, map[string]any{"method": "demo link, no passkey"})
	})
	if errors.Is(err, store.ErrNotFound) {
		s.log.WarnContext(ctx, "sign-in refused", "reason", "demo link unknown, used or expired", "ip", ip)
		if err := s.st.Global().Audit(ctx, store.AuditEntry{At: s.now(), Action: string(org.SignInFailed),
			Detail: map[string]any{"reason": "demo link unknown, used or expired"}, IP: ip}); err != nil {
			return store.Person{}, err
		}
		return store.Person{}, ErrDemoLinkInvalid
	}
	if err != nil {
		return store.Person{}, err
	}
	return p, nil
}
