// Package org is organisation administration: people and their roles,
// enrolment invites, teams and job labels, support resources, and the audit
// vocabulary every service records in (audit.go) — and, next, course
// requirements and coverage. It knows nothing of HTTP; app/web turns the
// admin pages' requests into these calls.
//
// Every method acts for an Actor and reaches the organisation's data only
// through the actor's organisation-bound store, and every change is written
// with its audit entry in one transaction.
package org

import (
	"net/url"
	"time"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
)

// Config shapes the service.
type Config struct {
	// BaseURL starts every enrolment link.
	BaseURL *url.URL
	// InviteTTL is how long an enrolment link stays usable (7 days).
	InviteTTL time.Duration
}

// Service is organisation administration.
type Service struct {
	st  *store.Store
	cfg Config
	now func() time.Time
}

// New builds the service. now is the clock (time.Now in production).
func New(st *store.Store, cfg Config, now func() time.Time) *Service {
	if cfg.InviteTTL == 0 {
		cfg.InviteTTL = 7 * 24 * time.Hour
	}
	return &Service{st: st, cfg: cfg, now: now}
}

// Config returns the service's settings.
func (s *Service) Config() Config { return s.cfg }

// invalid is a mistake in what an admin typed, about one field (in the
// service's words: "name", "email", "org-admin", "link", "phone").
func invalid(field, msg string) error { return fault.Input(field, msg) }
