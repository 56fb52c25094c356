package auth

import (
	"context"
	"errors"
	"time"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/secret"
	"github.com/upstand/upstand/app/store"
)

// touchEvery limits last-seen writes to one a minute per session: enough
// precision for a 30-minute idle timeout without a write on every request.
const touchEvery = time.Minute

// ErrNoSession means the token names no live session.
var ErrNoSession error = fault.Wrap(fault.Forbidden, errors.New("auth: not signed in"))

// StartSession signs the person in on a new session with a fresh random
// token. Nothing the browser sent before is reused (no fixation).
func (s *Service) StartSession(ctx context.Context, p store.Person, ip, userAgent string) (token string, expires time.Time, err error) {
	return s.startSession(ctx, p, ip, userAgent, false)
}

// StartDemoSession is StartSession for a sign-in from a demo link: the
// session is marked as one that began without a passkey.
func (s *Service) StartDemoSession(ctx context.Context, p store.Person, ip, userAgent string) (token string, expires time.Time, err error) {
	return s.startSession(ctx, p, ip, userAgent, true)
}

func (s *Service) startSession(ctx context.Context, p store.Person, ip, userAgent string, demo bool) (token string, expires time.Time, err error) {
	token, hash := secret.New()
	now := s.now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	sess := store.Session{IDHash: hash, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.cfg.SessionMax), IP: ip, UserAgent: userAgent, Demo: demo}
	if err := s.st.Org(p.OrgID).Member(p.ID).CreateSession(ctx, sess); err != nil {
		return "", time.Time{}, err
	}
	return token, sess.ExpiresAt, nil
}

// Session resolves a session token to the signed-in person, enforcing the
// idle and absolute timeouts and deactivation, and records the activity.
func (s *Service) Session(ctx context.Context, token string) (store.Session, store.Person, error) {
	if token == "" {
		return store.Session{}, store.Person{}, ErrNoSession
	}
	now := s.now()
	sess, p, err := s.st.Global().SessionByHash(ctx, secret.Hash(token), now, s.cfg.SessionIdle)
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, store.Person{}, ErrNoSession
	}
	if err != nil {
		return store.Session{}, store.Person{}, err
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.st.Global().TouchSession(ctx, sess.IDHash, now); err != nil {
			return store.Session{}, store.Person{}, err
		}
	}
	return sess, p, nil
}

// EndSession signs this browser out.
func (s *Service) EndSession(ctx context.Context, token string, p store.Person, ip string) error {
	a := s.actorFor(p, ip)
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.Member(p.ID).DeleteSession(ctx, secret.Hash(token)); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, org.SignOut, &p.ID, nil)
	})
}

// EndAllSessions signs the person out on every device.
func (s *Service) EndAllSessions(ctx context.Context, p store.Person, ip string) error {
	a := s.actorFor(p, ip)
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		n, err := tx.Member(p.ID).DeleteSessions(ctx)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, org.SignOutEverywhere, &p.ID, map[string]any{"sessions": n})
	})
}
