package store

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/fault"
)

// ErrCeremonyExpired means a passkey ceremony was finished too late: the
// request is no longer valid, and the person starts the step again.
var ErrCeremonyExpired error = fault.Wrap(fault.Invalid, errors.New("store: passkey ceremony expired"))

// SaveCeremony keeps a WebAuthn ceremony's server-side state (JSON) until
// it is finished or expires. personID is nil for a discoverable sign-in.
func (g *Global) SaveCeremony(ctx context.Context, id []byte, kind string, personID *uuid.UUID, data []byte, expiresAt time.Time) error {
	_, err := g.s.db.NewRaw("INSERT INTO ceremonies (id, kind, person_id, data, expires_at) VALUES (?, ?, ?, ?, ?)",
		id, kind, personID, string(data), expiresAt).Exec(ctx)
	return wrap("save ceremony", err)
}

// TakeCeremony removes and returns a ceremony's state: it can be used once.
// A ceremony of another kind is ErrNotFound; a stale one is consumed and
// reported as ErrCeremonyExpired.
func (g *Global) TakeCeremony(ctx context.Context, id []byte, kind string, now time.Time) (data []byte, personID *uuid.UUID, err error) {
	var row struct {
		Data      string     `bun:"data"`
		PersonID  *uuid.UUID `bun:"person_id"`
		ExpiresAt time.Time  `bun:"expires_at"`
	}
	err = g.s.db.NewRaw("DELETE FROM ceremonies WHERE id = ? AND kind = ? RETURNING data, person_id, expires_at", id, kind).Scan(ctx, &row)
	if err != nil {
		return nil, nil, wrap("take ceremony", err)
	}
	if !now.Before(row.ExpiresAt) {
		return nil, nil, ErrCeremonyExpired
	}
	return []byte(row.Data), row.PersonID, nil
}

// SweepExpired deletes expired ceremonies, sessions and key/value entries.
func (g *Global) SweepExpired(ctx context.Context, now time.Time) error {
	return wrap("sweep expired", g.run(ctx, func(db bun.IDB) error {
		for _, q := range []string{
			"DELETE FROM ceremonies WHERE expires_at <= ?",
			"DELETE FROM sessions WHERE expires_at <= ?",
			"DELETE FROM kv WHERE expires_at <= ?",
			"DELETE FROM demo_links WHERE expires_at <= ?",
		} {
			if _, err := db.ExecContext(ctx, q, now); err != nil {
				return err
			}
		}
		return nil
	}))
}
