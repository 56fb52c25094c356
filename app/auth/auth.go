// Package auth is identity: passkey ceremonies (go-webauthn), enrolment by
// one-time link, sessions and demo sign-in links — each sign-in, refusal
// and passkey change recorded in the audit log (the vocabulary is app/org's).
// Making people, links, teams and labels is app/org's. It knows nothing of
// HTTP; app/web turns requests into these calls.
package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// Config shapes the service.
type Config struct {
	// BaseURL is the public URL: its origin is the one passkey origin
	// accepted, its host the relying-party id, and enrolment links start
	// with it.
	BaseURL *url.URL
	// SessionIdle ends a session after this long without a request (30 min).
	SessionIdle time.Duration
	// SessionMax ends a session this long after sign-in, whatever (12 h).
	SessionMax time.Duration
	// CeremonyTTL is how long a passkey ceremony may take (5 min).
	CeremonyTTL time.Duration
}

// DefaultConfig has the documented defaults for base.
func DefaultConfig(base *url.URL) Config {
	return Config{BaseURL: base, SessionIdle: 30 * time.Minute,
		SessionMax: 12 * time.Hour, CeremonyTTL: 5 * time.Minute}
}

// Service is the identity service.
type Service struct {
	st  *store.Store
	wa  *webauthn.WebAuthn
	cfg Config
	now func() time.Time
	log *slog.Logger
}

// The service's errors are faults (app/fault): the web layer answers each
// by its kind, with its message.
var (
	// ErrSignInFailed hides why a sign-in failed from the client; the log
	// and the audit log have the reason.
	ErrSignInFailed error = fault.New(fault.Forbidden, "That passkey could not sign you in.")
	// ErrLinkInvalid covers unknown, used, withdrawn and expired links alike.
	ErrLinkInvalid error = fault.New(fault.NotFound, "This enrolment link cannot be used: it may have expired, been used already or been withdrawn. Ask your administrator for a new one.")
	// ErrCeremony means the passkey step was stale, replayed or malformed.
	ErrCeremony error = fault.New(fault.Invalid, "The passkey step did not complete. Please try again.")
)

// origin is the one passkey origin accepted: the base URL's scheme and host.
func (c Config) origin() string { return c.BaseURL.Scheme + "://" + c.BaseURL.Host }

// New builds the service. now is the clock (time.Now in production).
func New(st *store.Store, cfg Config, now func() time.Time, log *slog.Logger) (*Service, error) {
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          cfg.BaseURL.Hostname(),
		RPDisplayName: "Upstand",
		RPOrigins:     []string{cfg.origin()},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationRequired,
		},
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: cfg.CeremonyTTL, TimeoutUVD: cfg.CeremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: cfg.CeremonyTTL, TimeoutUVD: cfg.CeremonyTTL},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("auth: passkey configuration: %w", err)
	}
	return &Service{st: st, wa: wa, cfg: cfg, now: now, log: log}, nil
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Config returns the service's settings.
func (s *Service) Config() Config { return s.cfg }

// audit writes the action's audit entry on tx, the transaction that makes
// the change: if the entry cannot be written, the change is rolled back.
func (s *Service) audit(ctx context.Context, tx *store.Org, a org.Actor, action org.Action, subject *uuid.UUID, detail map[string]any) error {
	return org.Record(ctx, tx, a, action, subject, detail, s.now())
}

// actorFor is p acting on their own account, from ip.
func (s *Service) actorFor(p store.Person, ip string) org.Actor { return org.ActorFor(s.st, p, ip) }
