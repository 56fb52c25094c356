package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Session is a signed-in browser. The cookie holds a random token; only its
// SHA-256 is stored, so a leaked table cannot be replayed as cookies.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	IDHash     []byte    `bun:"id_hash,pk"`
	OrgID      uuid.UUID `bun:"org_id,type:uuid"`
	PersonID   uuid.UUID `bun:"person_id,type:uuid"`
	CreatedAt  time.Time `bun:"created_at"`
	LastSeenAt time.Time `bun:"last_seen_at"`
	ExpiresAt  time.Time `bun:"expires_at"`
	IP         string    `bun:"ip"`
	UserAgent  string    `bun:"user_agent"`
	// Demo marks a session begun from a demo link, without a passkey.
	Demo bool `bun:"demo"`
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess Session) error {
	_, err := s.db.NewInsert().Model(&sess).Exec(ctx)
	return wrap("create session", err)
}

// SessionByHash finds a live session and its person: not past its absolute
// expiry, seen within idle, and the person still active. Anything else is
// ErrNotFound. Not scoped by organisation: the token decides it.
func (s *Store) SessionByHash(ctx context.Context, hash []byte, now time.Time, idle time.Duration) (Session, Person, error) {
	var sess Session
	err := s.db.NewSelect().Model(&sess).
		Where("id_hash = ?", hash).Where("expires_at > ?", now).Where("last_seen_at > ?", now.Add(-idle)).
		Scan(ctx)
	if err != nil {
		return Session{}, Person{}, wrap("load session", err)
	}
	p, err := s.Person(ctx, sess.OrgID, sess.PersonID)
	if err != nil {
		return Session{}, Person{}, err
	}
	if !p.Active {
		return Session{}, Person{}, wrap("load session", ErrNotFound)
	}
	return sess, p, nil
}

// TouchSession records activity, which keeps the idle timeout at bay.
func (s *Store) TouchSession(ctx context.Context, hash []byte, now time.Time) error {
	_, err := s.db.NewUpdate().Table("sessions").Set("last_seen_at = ?", now).Where("id_hash = ?", hash).Exec(ctx)
	return wrap("touch session", err)
}

// DeleteSession signs one browser out.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := s.db.NewDelete().Table("sessions").Where("id_hash = ?", hash).Exec(ctx)
	return wrap("delete session", err)
}

// DeletePersonSessions signs a person out everywhere.
func (s *Store) DeletePersonSessions(ctx context.Context, orgID, personID uuid.UUID) (int, error) {
	res, err := s.db.NewDelete().Table("sessions").Where("org_id = ?", orgID).Where("person_id = ?", personID).Exec(ctx)
	if err != nil {
		return 0, wrap("delete sessions", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
