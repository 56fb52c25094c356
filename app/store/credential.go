package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
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
var ErrLastPasskey = errors.New("store: cannot remove the last passkey")

// Credentials lists a person's passkeys, oldest first.
func (s *Store) Credentials(ctx context.Context, orgID, personID uuid.UUID) ([]Credential, error) {
	var cs []Credential
	err := s.db.NewSelect().Model(&cs).Where("org_id = ?", orgID).Where("person_id = ?", personID).
		Order("created_at", "id").Scan(ctx)
	return cs, wrap("list passkeys", err)
}

// AddCredential stores a new passkey for a signed-in person.
func (s *Store) AddCredential(ctx context.Context, c Credential) error {
	_, err := s.db.NewInsert().Model(&c).Exec(ctx)
	return wrap("add passkey", err)
}

// EnrolCredential uses an enrolment link and stores the passkey it created,
// all or nothing: a link can enrol exactly one passkey, once.
func (s *Store) EnrolCredential(ctx context.Context, inviteID uuid.UUID, c Credential, now time.Time) error {
	return s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("invites").Set("used_at = ?", now).
			Where("id = ?", inviteID).Where("org_id = ?", c.OrgID).Where("person_id = ?", c.PersonID).
			Where("used_at IS NULL").Where("revoked_at IS NULL").Where("expires_at > ?", now).Exec(ctx)
		if err != nil {
			return wrap("use invite", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrInviteClosed
		}
		_, err = tx.NewInsert().Model(&c).Exec(ctx)
		return wrap("enrol passkey", err)
	})
}

// RecordCredentialUse saves the record after a sign-in (sign count, flags)
// and the time. It refuses to move the sign count backwards, so of two
// racing sign-ins with a cloned key only one can win.
func (s *Store) RecordCredentialUse(ctx context.Context, orgID uuid.UUID, id []byte, record []byte, signCount int64, now time.Time) error {
	res, err := s.db.NewUpdate().Table("credentials").
		Set("record = ?", string(record)).Set("sign_count = ?", signCount).Set("last_used_at = ?", now).
		Where("org_id = ?", orgID).Where("id = ?", id).
		Where("(sign_count < ? OR (sign_count = 0 AND ? = 0))", signCount, signCount).Exec(ctx)
	return affected("record passkey use", res, err)
}

// RenameCredential renames one of the person's passkeys.
func (s *Store) RenameCredential(ctx context.Context, orgID, personID uuid.UUID, id []byte, name string) error {
	res, err := s.db.NewUpdate().Table("credentials").Set("name = ?", name).
		Where("org_id = ?", orgID).Where("person_id = ?", personID).Where("id = ?", id).Exec(ctx)
	return affected("rename passkey", res, err)
}

// DeleteCredential removes one of the person's passkeys, never the last.
func (s *Store) DeleteCredential(ctx context.Context, orgID, personID uuid.UUID, id []byte) error {
	return s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var pid uuid.UUID
		if err := tx.NewSelect().Table("people").Column("id").Where("org_id = ?", orgID).Where("id = ?", personID).
			For("UPDATE").Scan(ctx, &pid); err != nil {
			return wrap("remove passkey", err)
		}
		n, err := tx.NewSelect().Table("credentials").Where("org_id = ?", orgID).Where("person_id = ?", personID).Count(ctx)
		if err != nil {
			return wrap("remove passkey", err)
		}
		res, err := tx.NewDelete().Table("credentials").
			Where("org_id = ?", orgID).Where("person_id = ?", personID).Where("id = ?", id).Exec(ctx)
		if err := affected("remove passkey", res, err); err != nil {
			return err
		}
		if n <= 1 {
			return ErrLastPasskey
		}
		return nil
	})
}
