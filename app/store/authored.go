package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Authored is one scenario or module an organisation's trainers made: its
// draft files, by name, and its state. Kind is KindScenario or KindModule.
type Authored struct {
	bun.BaseModel `bun:"table:authored_content,alias:ac"`

	OrgID     uuid.UUID         `bun:"org_id,pk,type:uuid"`
	Kind      string            `bun:"kind,pk"`
	ID        string            `bun:"id,pk"`
	Files     map[string]string `bun:"files,type:jsonb"`
	Revision  int               `bun:"revision"`
	CreatedBy uuid.UUID         `bun:"created_by,type:uuid"`
	CreatedAt time.Time         `bun:"created_at"`
	UpdatedBy uuid.UUID         `bun:"updated_by,type:uuid"`
	UpdatedAt time.Time         `bun:"updated_at"`
	// ApprovedRevision is the revision a second trainer approved (0: none).
	ApprovedRevision int       `bun:"approved_revision,nullzero"`
	ApprovedBy       uuid.UUID `bun:"approved_by,type:uuid,nullzero"`
	// PublishedVersion is the version learners get; "" when unpublished.
	PublishedVersion string `bun:"published_version,nullzero"`
}

// AuthoredVersion is one published version of authored content, kept for
// ever.
type AuthoredVersion struct {
	bun.BaseModel `bun:"table:authored_versions,alias:av"`

	OrgID       uuid.UUID         `bun:"org_id,pk,type:uuid"`
	Kind        string            `bun:"kind,pk"`
	ID          string            `bun:"id,pk"`
	Version     string            `bun:"version,pk"`
	Files       map[string]string `bun:"files,type:jsonb"`
	Revision    int               `bun:"revision"`
	PublishedBy uuid.UUID         `bun:"published_by,type:uuid"`
	ApprovedBy  uuid.UUID         `bun:"approved_by,type:uuid,nullzero"`
	PublishedAt time.Time         `bun:"published_at"`
	Note        string            `bun:"note"`
}

// AuthoredList lists the organisation's scenarios or modules by id.
func (o *Org) AuthoredList(ctx context.Context, kind string) ([]Authored, error) {
	var as []Authored
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&as).Where("ac.org_id = ? AND ac.kind = ?", o.id, kind).Order("ac.id").Scan(ctx)
	})
	return as, wrap("list authored content", err)
}

// Authored loads one scenario or module of the organisation.
func (o *Org) Authored(ctx context.Context, kind, id string) (Authored, error) {
	var a Authored
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&a).Where("ac.org_id = ? AND ac.kind = ? AND ac.id = ?", o.id, kind, id).Scan(ctx)
	})
	return a, wrap("load authored content", err)
}

// CreateAuthored adds a new scenario or module at revision 1; an id the
// organisation already uses is ErrConflict.
func (o *Org) CreateAuthored(ctx context.Context, kind, id string, files map[string]string, by uuid.UUID, at time.Time) (Authored, error) {
	a := Authored{OrgID: o.id, Kind: kind, ID: id, Files: files, Revision: 1,
		CreatedBy: by, CreatedAt: at, UpdatedBy: by, UpdatedAt: at}
	err := o.run(ctx, func(db bun.IDB) error {
		_, err := db.NewInsert().Model(&a).Exec(ctx)
		return err
	})
	return a, wrap("create authored content", err)
}

// SaveDraft replaces the draft's files if the draft is still at revision
// from, and moves it to the next revision. A draft saved by someone else
// since is ErrStale, and nothing is written.
func (o *Org) SaveDraft(ctx context.Context, kind, id string, from int, files map[string]string, by uuid.UUID, at time.Time) (Authored, error) {
	var a Authored
	err := o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Model(&a).
			Set("files = ?", bun.NullZero(files)).Set("revision = revision + 1").
			Set("updated_by = ?", by).Set("updated_at = ?", at).
			Where("ac.org_id = ? AND ac.kind = ? AND ac.id = ? AND ac.revision = ?", o.id, kind, id, from).
			Returning("*").Exec(ctx, &a)
		// No row updated: scanning RETURNING into a struct makes that
		// sql.ErrNoRows, which does not yet mean not found — the draft may
		// have moved on.
		none := errors.Is(err, sql.ErrNoRows)
		if err != nil && !none {
			return err
		}
		if !none {
			n, _ := res.RowsAffected()
			none = n == 0
		}
		if none {
			if _, err := (&Org{s: o.s, id: o.id, tx: db}).Authored(ctx, kind, id); err != nil {
				return err
			}
			return ErrStale
		}
		return nil
	})
	if errors.Is(err, ErrStale) || errors.Is(err, ErrNotFound) {
		return Authored{}, fmt.Errorf("store: save draft: %w", err)
	}
	return a, wrap("save draft", err)
}

// ApproveRevision records that a trainer approved this revision of the
// draft; a draft that has moved on is ErrStale.
func (o *Org) ApproveRevision(ctx context.Context, kind, id string, revision int, by uuid.UUID) error {
	err := o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Model((*Authored)(nil)).
			Set("approved_revision = ?", revision).Set("approved_by = ?", by).
			Where("ac.org_id = ? AND ac.kind = ? AND ac.id = ? AND ac.revision = ?", o.id, kind, id, revision).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrStale
		}
		return nil
	})
	if errors.Is(err, ErrStale) {
		return fmt.Errorf("store: approve draft: %w", err)
	}
	return wrap("approve draft", err)
}

// Publish makes v the version learners get, storing it in the history if
// it is new; it reports whether it was. The content versions the
// publication brings (owned by the organisation) are stored with it.
func (o *Org) Publish(ctx context.Context, v AuthoredVersion, versions []ContentVersion) (bool, error) {
	v.OrgID = o.id
	var added bool
	err := o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewInsert().Model(&v).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		added = n == 1
		if err := insertVersions(ctx, db, v.PublishedAt, versions); err != nil {
			return err
		}
		res, err = db.NewUpdate().Model((*Authored)(nil)).Set("published_version = ?", v.Version).
			Where("ac.org_id = ? AND ac.kind = ? AND ac.id = ?", o.id, v.Kind, v.ID).Exec(ctx)
		return affected("publish", res, err)
	})
	return added, wrap("publish", err)
}

// Unpublish hides a scenario or module from new attempts; its history and
// the attempts already made stay.
func (o *Org) Unpublish(ctx context.Context, kind, id string) error {
	return o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Model((*Authored)(nil)).Set("published_version = NULL").
			Where("ac.org_id = ? AND ac.kind = ? AND ac.id = ?", o.id, kind, id).Exec(ctx)
		return affected("unpublish", res, err)
	})
}

// AuthoredVersions lists the published versions of one scenario or module,
// newest first.
func (o *Org) AuthoredVersions(ctx context.Context, kind, id string) ([]AuthoredVersion, error) {
	var vs []AuthoredVersion
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&vs).Where("av.org_id = ? AND av.kind = ? AND av.id = ?", o.id, kind, id).
			Order("av.published_at DESC", "av.version").Scan(ctx)
	})
	return vs, wrap("list published versions", err)
}

// PublishedContent is the published version of every scenario and module
// the organisation has published, by kind and id.
func (o *Org) PublishedContent(ctx context.Context) ([]AuthoredVersion, error) {
	var vs []AuthoredVersion
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&vs).
			Join("JOIN authored_content AS ac ON ac.org_id = av.org_id AND ac.kind = av.kind AND ac.id = av.id AND ac.published_version = av.version").
			Where("av.org_id = ?", o.id).Order("av.kind", "av.id").Scan(ctx)
	})
	return vs, wrap("load published content", err)
}

// PublishedStamp names the organisation's published content as it is now:
// it changes whenever anything is published or unpublished, so a cache of
// the organisation's catalogue can tell when to rebuild. "" when nothing is
// published.
func (o *Org) PublishedStamp(ctx context.Context) (string, error) {
	var stamp string
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewRaw(`SELECT coalesce(string_agg(kind || ':' || id || '@' || published_version, ',' ORDER BY kind, id), '')
			FROM authored_content WHERE org_id = ? AND published_version IS NOT NULL`, o.id).Scan(ctx, &stamp)
	})
	return stamp, wrap("load published stamp", err)
}

// SetReviewRequired turns the review step before publishing on or off.
func (o *Org) SetReviewRequired(ctx context.Context, on bool) error {
	return o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Table("organisations").Set("review_required = ?", on).
			Where("id = ?", o.id).Exec(ctx)
		return affected("set review", res, err)
	})
}

// RecordContentVersions stores versions of the organisation's content (and
// of library content it uses) not stored yet, like Global's.
func (o *Org) RecordContentVersions(ctx context.Context, now time.Time, rows []ContentVersion) error {
	return wrap("record content versions", o.run(ctx, func(db bun.IDB) error {
		return insertVersions(ctx, db, now, rows)
	}))
}
