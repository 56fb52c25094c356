package store

import (
	"context"

	"github.com/uptrace/bun"
)

// MarkCount is how many distinct learners of the organisation have one mark
// in a scenario version: reached a node ("node:<id>"), took a choice
// ("choice:<node>:<n>"), finished with an outcome ("ending:<kind>") or
// along a path ("path:<hash>", with the path as "node:choice ..." in
// Detail). The database keeps them as choices are stored (migration
// 20261203100000_choice_analytics); they never name anyone.
type MarkCount struct {
	bun.BaseModel `bun:"table:scenario_mark_counts,alias:mc"`

	Mark     string `bun:"mark"`
	Detail   string `bun:"detail"`
	Learners int    `bun:"learners"`
}

// ScenarioMarkCounts are the organisation's counts for one scenario
// version. Each mark is counted in up to eight rows, by a hash of the
// learner (migration 20261204130000_choice_mark_shards, so learners
// reaching the same node at once do not wait on one row): the count is
// their sum.
func (o *Org) ScenarioMarkCounts(ctx context.Context, scenarioID, version string) ([]MarkCount, error) {
	var ms []MarkCount
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&ms).
			ColumnExpr("mark, max(detail) AS detail, sum(learners)::integer AS learners").
			Where("org_id = ? AND scenario_id = ? AND scenario_version = ?", o.id, scenarioID, version).
			Group("mark").Order("mark").Scan(ctx)
	})
	return ms, wrap("load choice analytics", err)
}
