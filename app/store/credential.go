package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/fault"
)

// Credential is a passkey: the full WebAuthn credential record (as JSON,
// opaque to the store) plus the columns queries need.
type Credential struct {
	bun.BaseModel `bun:"table:credentials"`

	ID         []byte          `bun:"id,pk"`
	OrgID      uuid.UUID       `bun:"org_id,type:uuid"`
	PersonID   uuid.UUID       `bun:"person_id,type:uuid"`
	Name       string          `bun:"name"`
	Record     json.RawMessage `bun:"record,type:jsonb"`
	SignCount  int64           `bun:"sign_count"`
	CreatedAt  time.Time       `bun:"created_at"`
	LastUsedAt *time.Time      `bun:"last_used_at"`
}

// ErrLastPasskey refuses removing someone's only passkey: they would be
// locked out.
var ErrLastPasskey error = fault.Wrap(fault.Conflict, errors.New("store: cannot remove the last passkey"))

// Credentials lists the person's passkeys, oldest first.
func (m *Member) Credentials(ctx context.Context) ([]Credential, error) {
	var cs []Credential
	err := m.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&cs).Where("org_id = ?", m.o.id).Where("person_id = ?", m.id).
			Order("created_at", "id").Scan(ctx)
	})
	return cs, wrap("list passkeys", err)
}

// stamp makes a credential the member's, whatever the caller filled in.
func (m *Member) stamp(c *Credential) { c.OrgID, c.PersonID = m.o.id, m.id }

// AddCredential stores a new passkey for the person.
func (m *Member) AddCredential(ctx context.Context, c Credential) error {
	m.stamp(&c)
	return wrap("add passkey", m.run(ctx, func(db bun.IDB) error {
		_, err := db.NewInsert().Model(&c).Exec(ctx)
		return err
	}))
}

// EnrolCredential uses one of the person's enrolment links and stores the
// passkey it created, all or nothing: a link can enrol exactly one passkey,
// once.
func (m *Member) EnrolCredential(ctx context.Context, inviteID uuid.UUID, c Credential, now time.Time) error {
	m.stamp(&c)
	return m.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Table("invites").Set("used_at = ?", now).
			Where("id = ?", inviteID).Where("org_id = ?", m.o.id).Where("person_id = ?", m.id).
			Where("used_at IS NULL").Where("revoked_at IS NULL").Where("expires_at > ?", now).Exec(ctx)
		if err != nil {
			return wrap("use invite", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrInviteClosed
		}
		_, err = db.NewInsert().Model(&c).Exec(ctx)
		return wrap("enrol passkey", err)
	})
}

// RecordCredentialUse saves the record after a sign-in (sign count, flags)
// and the time. It refuses to move the sign count backwards, so of two
// racing sign-ins with a cloned key only one can win.
func (m *Member) RecordCredentialUse(ctx context.Context, id []byte, record []byte, signCount int64, now time.Time) error {
	return m.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Table("credentials").
			Set("record = ?", string(record)).Set("sign_count = ?", signCount).Set("last_used_at = ?", now).
			Where("org_id = ?", m.o.id).Where("person_id = ?", m.id).Where("id = ?", id).
			Where("(sign_count < ? OR (sign_count = 0 AND ? = 0))", signCount, signCount).Exec(ctx)
		return affected("record passkey use", res, err)
	})
}

// RenameCredential renames one of the person's passkeys.
func (m *Member) RenameCredential(ctx context.Context, id []byte, name string) error {
	return m.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Table("credentials").Set("name = ?", name).
			Where("org_id = ?", m.o.id).Where("person_id = ?", m.id).Where("id = ?", id).Exec(ctx)
		return affected("rename passkey", res, err)
	})
}

// DeleteCredential removes one of the person's passkeys, never the last.
func (m *Member) DeleteCredential(ctx context.Context, id []byte) error {
	return m.run(ctx, func(db bun.IDB) error {
		var pid uuid.UUID
		if err := db.NewSelect().Table("people").Column("id").Where("org_id = ?", m.o.id).Where("id = ?", m.id).
			For("UPDATE").Scan(ctx, &pid); err != nil {
			return wrap("remove passkey", err)
		}
		n, err := db.NewSelect().Table("credentials").Where("org_id = ?", m.o.id).Where("person_id = ?", m.id).Count(ctx)
		if err != nil {
			return wrap("remove passkey", err)
		}
		res, err := db.NewDelete().Table("credentials").
			Where("org_id = ?", m.o.id).Where("person_id = ?", m.id).Where("id = ?", id).Exec(ctx)
		if err := affected("remove passkey", res, err); err != nil {
			return err
		}
		if n <= 1 {
			return ErrLastPasskey
		}
		return nil
	})
}
