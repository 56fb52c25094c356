package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Kinds of content version.
const (
	KindModule   = "module"
	KindScenario = "scenario"
)

// ContentVersion is one version of a module or scenario with its canonical
// content (see docs/content.md). The store takes plain rows so that it does
// not depend on the content package.
type ContentVersion struct {
	bun.BaseModel `bun:"table:content_versions,alias:cv"`

	Kind        string          `bun:"kind,pk"` // KindModule or KindScenario
	ID          string          `bun:"id,pk"`
	Version     string          `bun:"version,pk"`
	Canonical   json.RawMessage `bun:"canonical,type:jsonb"`
	FirstSeenAt time.Time       `bun:"first_seen_at"`
	// OrgID is the organisation whose own content this is; uuid.Nil for
	// the bundled library.
	OrgID uuid.UUID `bun:"org_id,type:uuid,nullzero"`
}

// RecordContentVersions stores the versions not stored yet, stamped now,
// and reports how many were new. Versions already known keep their row and
// first-seen time, so a restart with unchanged content writes nothing.
func (g *Global) RecordContentVersions(ctx context.Context, now time.Time, rows []ContentVersion) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	var added int64
	err := g.s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		added, err = insertVersionsCount(ctx, tx, now, rows)
		return err
	})
	if err != nil {
		return 0, wrap("record content versions", err)
	}
	return int(added), nil
}

func insertVersions(ctx context.Context, db bun.IDB, now time.Time, rows []ContentVersion) error {
	_, err := insertVersionsCount(ctx, db, now, rows)
	return err
}

func insertVersionsCount(ctx context.Context, db bun.IDB, now time.Time, rows []ContentVersion) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	stamped := make([]ContentVersion, len(rows))
	for i, r := range rows {
		r.FirstSeenAt = now
		stamped[i] = r
	}
	res, err := db.NewInsert().Model(&stamped).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ContentVersion returns one stored version by its exact id and hash: the
// library's, or an organisation's own (its OrgID says whose; the caller
// checks it is the one it expects).
func (g *Global) ContentVersion(ctx context.Context, kind, id, version string) (ContentVersion, error) {
	var cv ContentVersion
	err := g.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&cv).
			Where("cv.kind = ? AND cv.id = ? AND cv.version = ?", kind, id, version).
			Scan(ctx)
	})
	return cv, wrap("load content version", err)
}
