package store

import (
	"context"
	"encoding/json"
	"time"

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
}

// RecordContentVersions stores the versions not stored yet, stamped now,
// and reports how many were new. Versions already known keep their row and
// first-seen time, so a restart with unchanged content writes nothing.
func (g *Global) RecordContentVersions(ctx context.Context, now time.Time, rows []ContentVersion) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	stamped := make([]ContentVersion, len(rows))
	for i, r := range rows {
		r.FirstSeenAt = now
		stamped[i] = r
	}
	var added int64
	err := g.s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewInsert().Model(&stamped).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		added, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, wrap("record content versions", err)
	}
	return int(added), nil
}

// ContentVersion returns one stored version. Content is the same for every
// organisation, so the lookup is not scoped by one.
func (g *Global) ContentVersion(ctx context.Context, kind, id, version string) (ContentVersion, error) {
	var cv ContentVersion
	err := g.s.db.NewSelect().Model(&cv).
		Where("cv.kind = ? AND cv.id = ? AND cv.version = ?", kind, id, version).
		Scan(ctx)
	return cv, wrap("load content version", err)
}
