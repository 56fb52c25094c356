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

// CreateSession stores a new session of the person.
func (m *Member) CreateSession(ctx context.Context, sess Session) error {
	sess.OrgID, sess.PersonID = m.o.id, m.id
	return wrap("create session", m.run(ctx, func(db bun.IDB) error {
		_, err := db.NewInsert().Model(&sess).Exec(ctx)
		return err
	}))
}

// SessionByHash finds a live session and its person: not past its absolute
// expiry, seen within idle, and the person still active. Anything else is
// ErrNotFound. Not scoped by organisation: the token decides it.
func (g *Global) SessionByHash(ctx context.Context, hash []byte, now time.Time, idle time.Duration) (Session, Person, error) {
	// One statement, one round trip: the function (migration
	// 20261204110000_session_lookup) reads the session with upstand.system
	// on and the person bound to the session's organisation, as a
	// transaction here did in six.
	var row struct {
		Session Session `bun:"embed:s_"`
		Person  Person  `bun:"embed:"`
	}
	err := g.s.db.NewRaw(`SELECT (r.session).id_hash AS s_id_hash, (r.session).org_id AS s_org_id,
		(r.session).person_id AS s_person_id, (r.session).created_at AS s_created_at,
		(r.session).last_seen_at AS s_last_seen_at, (r.session).expires_at AS s_expires_at,
		(r.session).ip AS s_ip, (r.session).user_agent AS s_user_agent, (r.session).demo AS s_demo,
		(r.person).*, r.passkeys, r.manages
		FROM upstand_session(?, ?, ?) AS r`, hash, now, now.Add(-idle)).Scan(ctx, &row)
	if err != nil {
		return Session{}, Person{}, wrap("load session", err)
	}
	return row.Session, row.Person, nil
}

// TouchSession records activity, which keeps the idle timeout at bay.
func (g *Global) TouchSession(ctx context.Context, hash []byte, now time.Time) error {
	return wrap("touch session", g.run(ctx, func(db bun.IDB) error {
		_, err := db.NewUpdate().Table("sessions").Set("last_seen_at = ?", now).Where("id_hash = ?", hash).Exec(ctx)
		return err
	}))
}

// DeleteSession signs one of the person's browsers out.
func (m *Member) DeleteSession(ctx context.Context, hash []byte) error {
	return wrap("delete session", m.run(ctx, func(db bun.IDB) error {
		_, err := db.NewDelete().Table("sessions").
			Where("org_id = ?", m.o.id).Where("person_id = ?", m.id).Where("id_hash = ?", hash).Exec(ctx)
		return err
	}))
}

// DeleteSessions signs the person out everywhere.
func (m *Member) DeleteSessions(ctx context.Context) (int, error) {
	var n int64
	err := m.run(ctx, func(db bun.IDB) error {
		res, err := db.NewDelete().Table("sessions").Where("org_id = ?", m.o.id).Where("person_id = ?", m.id).Exec(ctx)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), wrap("delete sessions", err)
}
