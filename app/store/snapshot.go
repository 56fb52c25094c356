package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Snapshot is a coverage page's figures as worked out at one moment, kept
// so that a large organisation's trend and evaluation are not worked out
// from its whole history on every view (migration
// 20261204090000_coverage_snapshots; docs/coverage.md, "Large
// organisations").
type Snapshot struct {
	bun.BaseModel `bun:"table:coverage_snapshots,alias:cs"`

	OrgID uuid.UUID `bun:"org_id,pk"` // set by SaveSnapshot
	Kind  string    `bun:"kind,pk"`   // SnapshotTrend or SnapshotEvaluation
	// Scope says whose view it is and how it was narrowed; the caller
	// makes it, so that two views that may differ never share one.
	Scope      string          `bun:"scope,pk"`
	ComputedAt time.Time       `bun:"computed_at"`
	Took       time.Duration   `bun:"-"`
	TookMS     int             `bun:"took_ms"`
	Rows       int             `bun:"rows"`
	Data       json.RawMessage `bun:"data,type:jsonb"`
}

// The kinds of snapshot.
const (
	SnapshotTrend      = "trend"
	SnapshotEvaluation = "evaluation"
)

// Snapshot reads the organisation's snapshot of kind for scope;
// ErrNotFound when there is none.
func (o *Org) Snapshot(ctx context.Context, kind, scope string) (Snapshot, error) {
	var s Snapshot
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&s).
			Column("kind", "scope", "computed_at", "took_ms", "rows", "data").
			Where("org_id = ? AND kind = ? AND scope = ?", o.id, kind, scope).Scan(ctx)
	})
	if err != nil {
		return Snapshot{}, wrap("read snapshot", err)
	}
	s.Took = time.Duration(s.TookMS) * time.Millisecond
	return s, nil
}

// SaveSnapshot keeps s, replacing the organisation's snapshot of the same
// kind and scope unless that one was worked out later (two servers
// refreshing one snapshot at once keep the newer).
func (o *Org) SaveSnapshot(ctx context.Context, s Snapshot) error {
	s.OrgID = o.id
	s.TookMS = int(s.Took / time.Millisecond)
	return o.run(ctx, func(db bun.IDB) error {
		_, err := db.NewInsert().Model(&s).
			On("CONFLICT (org_id, kind, scope) DO UPDATE").
			Set("computed_at = EXCLUDED.computed_at, took_ms = EXCLUDED.took_ms, rows = EXCLUDED.rows, data = EXCLUDED.data").
			Where("cs.computed_at <= EXCLUDED.computed_at").
			Exec(ctx)
		return wrap("save snapshot", err)
	})
}
