package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// CourseAttempt is one run through a module by one person, on the module
// version it was made against. Attempts form chains: when a module changes
// while an attempt is open, the next attempt (on the new version) shares the
// first one's RootID, and progress made anywhere in the chain carries over
// where a step is unchanged. Rows are never changed or removed.
type CourseAttempt struct {
	bun.BaseModel `bun:"table:course_attempts,alias:ca"`

	ID            uuid.UUID `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	OrgID         uuid.UUID `bun:"org_id,type:uuid"`
	PersonID      uuid.UUID `bun:"person_id,type:uuid"`
	RootID        uuid.UUID `bun:"root_id,type:uuid"`
	ModuleID      string    `bun:"module_id"`
	ModuleVersion string    `bun:"module_version"`
	StartedAt     time.Time `bun:"started_at"`

	// CompletedAt is set when the attempt has a completion (filled by the
	// queries below, never stored here).
	CompletedAt *time.Time `bun:"completed_at,scanonly"`
}

// Completed reports whether the attempt has its completion.
func (a CourseAttempt) Completed() bool { return a.CompletedAt != nil }

func (m *Member) selectCourseAttempts(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().TableExpr("course_attempts AS ca").
		ColumnExpr("ca.id, ca.org_id, ca.person_id, ca.root_id, ca.module_id, ca.module_version, ca.started_at").
		ColumnExpr("c.completed_at").
		Join("LEFT JOIN completions AS c ON c.course_attempt_id = ca.id").
		Where("ca.org_id = ?", m.o.id).Where("ca.person_id = ?", m.id)
}

// CourseAttempt loads one of the person's attempts.
func (m *Member) CourseAttempt(ctx context.Context, id uuid.UUID) (CourseAttempt, error) {
	var a CourseAttempt
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectCourseAttempts(db).Where("ca.id = ?", id).Scan(ctx, &a)
	})
	return a, wrap("load course attempt", err)
}

func (m *Member) latestCourseAttempt(ctx context.Context, db bun.IDB, moduleID string, a *CourseAttempt) error {
	return m.selectCourseAttempts(db).Where("ca.module_id = ?", moduleID).
		OrderExpr("ca.started_at DESC, ca.id DESC").Limit(1).Scan(ctx, a)
}

// LatestCourseAttempt is the person's most recent attempt at a module.
func (m *Member) LatestCourseAttempt(ctx context.Context, moduleID string) (CourseAttempt, error) {
	var a CourseAttempt
	err := m.run(ctx, func(db bun.IDB) error { return m.latestCourseAttempt(ctx, db, moduleID, &a) })
	return a, wrap("load latest course attempt", err)
}

// CourseAttempts lists all of the person's attempts, newest first.
func (m *Member) CourseAttempts(ctx context.Context) ([]CourseAttempt, error) {
	var as []CourseAttempt
	err := m.run(ctx, func(db bun.IDB) error {
		return m.selectCourseAttempts(db).OrderExpr("ca.started_at DESC, ca.id DESC").Scan(ctx, &as)
	})
	return as, wrap("list course attempts", err)
}

// AttemptMode says what OpenCourseAttempt should do when the person's latest
// attempt at the module is already complete, or when there is none.
type AttemptMode int

const (
	// ContinueAttempt returns the latest attempt, complete or not.
	ContinueAttempt AttemptMode = iota
	// RetakeAttempt starts a new chain when the latest attempt is complete
	// (a refresher, or taking the course again).
	RetakeAttempt
	// ResumeAttempt is ContinueAttempt for a step of a course that must
	// have been started: with no attempt at all it returns ErrNotFound
	// instead of starting a chain.
	ResumeAttempt
)

// OpenCourseAttempt returns the attempt the person should work in now, on
// module version `version`, creating it if needed:
//
//   - no attempt yet: a new chain (ErrNotFound for ResumeAttempt);
//   - the latest is open and on this version: that attempt;
//   - the latest is open on another version: a new attempt on this version
//     in the same chain, so unchanged steps keep their progress;
//   - the latest is complete: that attempt (ContinueAttempt,
//     ResumeAttempt) or a new chain (RetakeAttempt).
//
// It runs under a per-person, per-module lock, so concurrent requests (two
// tabs, a double click) agree on one attempt instead of starting several.
func (m *Member) OpenCourseAttempt(ctx context.Context, moduleID, version string, now time.Time, mode AttemptMode) (CourseAttempt, bool, error) {
	var out CourseAttempt
	created := false
	err := m.run(ctx, func(tx bun.IDB) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
			"course:"+m.id.String()+":"+moduleID); err != nil {
			return err
		}
		var latest CourseAttempt
		err := m.latestCourseAttempt(ctx, tx, moduleID, &latest)
		found := err == nil
		if err != nil && (!errors.Is(err, sql.ErrNoRows) || mode == ResumeAttempt) {
			return err
		}
		switch {
		case found && latest.Completed() && mode != RetakeAttempt:
			out = latest
			return nil
		case found && !latest.Completed() && latest.ModuleVersion == version:
			out = latest
			return nil
		}
		a := CourseAttempt{ID: uuid.New(), OrgID: m.o.id, PersonID: m.id, ModuleID: moduleID, ModuleVersion: version, StartedAt: now}
		a.RootID = a.ID
		if found && !latest.Completed() {
			a.RootID = latest.RootID
			// Keep the chain in order even if the clock stepped back.
			if !a.StartedAt.After(latest.StartedAt) {
				a.StartedAt = latest.StartedAt.Add(time.Microsecond)
			}
		}
		if _, err := tx.NewInsert().Model(&a).Exec(ctx); err != nil {
			return err
		}
		out, created = a, true
		return nil
	})
	return out, created, wrap("open course attempt", err)
}
