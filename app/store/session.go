package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/db"
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
	// transaction here did in six. Each connection prepares it once.
	var (
		sess  Session
		p     Person
		found bool
	)
	err := prepared(ctx, g.s.db, db.Prepared{{Statement: sessionStmt, Args: []any{hash, now, now.Add(-idle)}}},
		func(_ int, rows *sql.Rows) error {
			found = true
			return rows.Scan(&sess.IDHash, &sess.OrgID, &sess.PersonID, &sess.CreatedAt, &sess.LastSeenAt,
				&sess.ExpiresAt, &sess.IP, &sess.UserAgent, &sess.Demo,
				&p.ID, &p.OrgID, &p.Name, &p.Email, &p.UserHandle, &p.IsTrainer, &p.IsOrgAdmin, &p.Active,
				&p.CreatedAt, &p.DeactivatedAt, &p.DigestOff, &p.Passkeys, &p.Manages)
		})
	if err == nil && !found {
		err = sql.ErrNoRows
	}
	if err != nil {
		return Session{}, Person{}, wrap("load session", err)
	}
	return sess, p, nil
}

// sessionStmt is the session lookup: the token's hash ($1), now ($2) and
// the idle limit ($3). Person's columns are named one by one, in its
// order: a column added to people and to Person goes here too.
var sessionStmt = db.NewStatement("session",
	`SELECT (r.session).id_hash, (r.session).org_id, (r.session).person_id, (r.session).created_at,
		(r.session).last_seen_at, (r.session).expires_at, (r.session).ip, (r.session).user_agent, (r.session).demo,
		(r.person).id, (r.person).org_id, (r.person).name, (r.person).email, (r.person).user_handle,
		(r.person).is_trainer, (r.person).is_org_admin, (r.person).active, (r.person).created_at,
		(r.person).deactivated_at, (r.person).digest_off, r.passkeys, r.manages
	FROM upstand_session($1, $2, $3) AS r`,
	byteaOID, timestamptzOID, timestamptzOID)

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
