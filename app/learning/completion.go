package learning

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// Finish completes the learner's current attempt at a module when its
// completion rule is met: every lesson opened, every quiz passed, every
// reflection answered or skipped, every scenario at an ending the rule
// accepts. post, if not nil, is the closing confidence check (as for
// AnswerConfidence), stored first.
//
// Finish is idempotent: the course attempt is the completion's key, so a
// double submit, a retry or many concurrent requests give one completion and
// one certificate, and every caller gets that same completion back. created
// says whether this call wrote it. When the rule is not met it returns
// ErrIncomplete and the progress saying what is missing.
func (s *Service) Finish(ctx context.Context, l org.Actor, moduleID string, post []int) (store.Completion, bool, Progress, error) {
	m, err := s.module(ctx, l, moduleID)
	if err != nil {
		return store.Completion{}, false, Progress{}, err
	}
	a, err := s.openAttempt(ctx, l, m, store.ResumeAttempt)
	if err != nil {
		return store.Completion{}, false, Progress{}, err
	}
	p, err := s.progress(ctx, l, m, a)
	if err != nil {
		return store.Completion{}, false, Progress{}, err
	}
	if p.Completion != nil {
		return *p.Completion, false, p, nil
	}
	if !p.Met {
		// The closing check belongs after the last step: not stored yet.
		return store.Completion{}, false, p, ErrIncomplete
	}
	if post != nil {
		if err := s.checkConfidence(m, post); err != nil {
			return store.Completion{}, false, p, err
		}
		if err := s.recordConfidence(ctx, l, m, a, store.PhasePost, post); err != nil {
			return store.Completion{}, false, p, err
		}
		p.PostAnswered = true
	}
	now := s.Now()
	c := store.Completion{
		CourseAttemptID: a.ID,
		ModuleID:        m.ID, ModuleVersion: a.ModuleVersion, CompletedAt: now,
		ExpiresAt: Expiry(m, now), Summary: s.summary(ctx, l, m, a, p),
	}
	stored, created, err := l.Member().AddCompletion(ctx, c, NewCode())
	if err != nil {
		return store.Completion{}, false, p, err
	}
	if created {
		s.events.CompletionWritten()
	}
	p.Completion = &stored
	return stored, created, p, nil
}

// Expiry is when a completion at `at` runs out: after the module's refresher
// period, or never when it has none.
func Expiry(m *content.Module, at time.Time) *time.Time {
	if m.RefresherMonths <= 0 {
		return nil
	}
	e := at.AddDate(0, m.RefresherMonths, 0)
	return &e
}

// summary is the score summary kept with a completion: each quiz's best
// passing score and each scenario's best outcome.
func (s *Service) summary(ctx context.Context, l org.Actor, m *content.Module, a store.CourseAttempt, p Progress) map[string]any {
	var quizzes, scenarios []map[string]any
	for _, sp := range p.Steps {
		switch sp.Step.Kind {
		case content.QuizStep:
			attempts, err := l.Member().QuizAttempts(ctx, a.RootID, sp.Step.ID)
			if err != nil {
				continue
			}
			best := -1
			for i, qa := range attempts {
				if qa.Passed && qa.Fingerprint == Fingerprint(sp.Step) && (best < 0 || qa.Correct > attempts[best].Correct) {
					best = i
				}
			}
			if best >= 0 {
				qa := attempts[best]
				quizzes = append(quizzes, map[string]any{"step": sp.Step.ID, "correct": qa.Correct, "total": qa.Total, "pass_percent": qa.PassPercent})
			}
		case content.ScenarioStep:
			scenarios = append(scenarios, map[string]any{"step": sp.Step.ID, "outcome": string(sp.Outcome)})
		}
	}
	out := map[string]any{"steps": len(p.Steps)}
	if quizzes != nil {
		out["quizzes"] = quizzes
	}
	if scenarios != nil {
		out["scenarios"] = scenarios
	}
	return out
}

var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewCode returns a fresh certificate verification code: 128 random bits as
// 26 lower-case base32 characters (a–z, 2–7), easy to read aloud and type.
func NewCode() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("learning: no randomness: " + err.Error())
	}
	return strings.ToLower(codeEncoding.EncodeToString(b[:]))
}

// NormalizeCode undoes how people copy a code: upper case, spaces, hyphens.
func NormalizeCode(code string) string {
	code = strings.ToLower(code)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
}

// GroupCode shows a code in groups of four for reading.
func GroupCode(code string) string {
	var b strings.Builder
	for i, r := range code {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Certificate loads one of the learner's own certificates.
func (s *Service) Certificate(ctx context.Context, l org.Actor, id uuid.UUID) (store.CertificateView, error) {
	v, err := l.Member().Certificate(ctx, id)
	return v, notFound(err)
}

// Verify confirms a certificate by its code, for anyone holding the code.
// A malformed or unknown code is ErrNotFound.
func (s *Service) Verify(ctx context.Context, code string) (store.CertificateView, error) {
	code = NormalizeCode(code)
	if len(code) != 26 {
		return store.CertificateView{}, ErrNotFound
	}
	for _, r := range code {
		if (r < 'a' || r > 'z') && (r < '2' || r > '7') {
			return store.CertificateView{}, ErrNotFound
		}
	}
	v, err := s.st.Global().CertificateByCode(ctx, code)
	return v, notFound(err)
}
