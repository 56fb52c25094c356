package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// CourseRead is what a page about one of the person's courses reads: their
// latest attempt at the module and its chain's progress, and what else the
// page asked for (CourseReadOptions).
type CourseRead struct {
	// Attempt is the latest attempt at the module.
	Attempt CourseAttempt
	// Completion is the attempt's completion, if it has one.
	Completion *Completion
	// Events and Answers are the chain's step events (oldest first) and
	// confidence answers (as ConfidenceAnswers orders them).
	Events  []StepEvent
	Answers []ConfidenceAnswer
	// Support is the organisation's support resources, when asked for.
	Support []SupportResource
	// Scenario is the scenario attempt asked for (by id, if it is the
	// person's, or the latest at a step), if there is one.
	Scenario *ScenarioAttempt
}

// CourseReadOptions says what else ReadCourse reads.
type CourseReadOptions struct {
	// Support reads the organisation's support resources (the support
	// panel).
	Support bool
	// ScenarioAttempt, when set, reads that scenario attempt of the
	// person's.
	ScenarioAttempt uuid.UUID
	// LatestScenario, when set, reads the person's latest attempt at that
	// scenario step anywhere in the chain.
	LatestScenario string
}

// ReadCourse reads the person's latest attempt at a module, its
// completion, the chain's step events and confidence answers, and what
// opts asks for, in one round trip to PostgreSQL (readAll): each query
// finds the latest attempt for itself. ErrNotFound if the person never
// started the module.
//
// Each query is its own statement, with its own snapshot, as the separate
// reads were: a new chain started by another request (a retake in a
// second tab) between two of them can show one page a course bar that
// mixes the two. Nothing is written from it: OpenLesson's "opened" check
// matches the attempt's own id, and a choice is checked against its
// attempt row when it is stored.
func (m *Member) ReadCourse(ctx context.Context, moduleID string, opts CourseReadOptions) (CourseRead, error) {
	var r CourseRead
	err := m.run(ctx, func(db bun.IDB) error {
		latest := func(col string) *bun.SelectQuery {
			return db.NewSelect().TableExpr("course_attempts AS l").ColumnExpr("l."+col).
				Where("l.org_id = ?", m.o.id).Where("l.person_id = ?", m.id).Where("l.module_id = ?", moduleID).
				OrderExpr("l.started_at DESC, l.id DESC").Limit(1)
		}
		var attempts []CourseAttempt
		var completions []Completion
		var scenarios []ScenarioAttempt
		reads := []read{
			rowsOf(m.selectCourseAttempts(db).Where("ca.module_id = ?", moduleID).
				OrderExpr("ca.started_at DESC, ca.id DESC").Limit(1), &attempts),
			rowsOf(m.selectCompletions(db).Where("c.course_attempt_id = (?)", latest("id")), &completions),
			rowsOf(db.NewSelect().Model((*StepEvent)(nil)).
				Join("JOIN course_attempts AS ca ON ca.id = se.attempt_id").
				Where("se.org_id = ?", m.o.id).Where("se.person_id = ?", m.id).
				Where("ca.root_id = (?)", latest("root_id")).
				OrderExpr("se.at, se.id"), &r.Events),
			rowsOf(db.NewSelect().Model((*ConfidenceAnswer)(nil)).
				Join("JOIN course_attempts AS ca ON ca.id = cf.course_attempt_id").
				Where("cf.org_id = ?", m.o.id).Where("cf.person_id = ?", m.id).
				Where("ca.root_id = (?)", latest("root_id")).
				OrderExpr("cf.phase DESC, cf.statement, cf.at"), &r.Answers),
		}
		if opts.Support {
			reads = append(reads, rowsOf(m.o.selectSupportResources(db), &r.Support))
		}
		switch {
		case opts.ScenarioAttempt != uuid.Nil:
			reads = append(reads, rowsOf(m.selectScenarioAttempts(db).Where("sa.id = ?", opts.ScenarioAttempt), &scenarios))
		case opts.LatestScenario != "":
			reads = append(reads, rowsOf(m.selectScenarioAttempts(db).
				Where("ca.root_id = (?)", latest("root_id")).Where("sa.step_id = ?", opts.LatestScenario).
				OrderExpr("sa.started_at DESC, sa.id DESC").Limit(1), &scenarios))
		}
		if err := m.o.s.readAll(ctx, db, reads...); err != nil {
			return err
		}
		if len(attempts) == 0 {
			return ErrNotFound
		}
		r.Attempt = attempts[0]
		if len(completions) > 0 {
			r.Completion = &completions[0]
		}
		if len(scenarios) > 0 {
			r.Scenario = &scenarios[0]
		}
		return nil
	})
	return r, wrap("read course", err)
}

// CatalogueRead is what the person's catalogue shows of them: their latest
// attempt at each module they started, their latest completion of each
// module, and the step events of those attempts' chains by root.
type CatalogueRead struct {
	Attempts    []CourseAttempt
	Completions []Completion
	Events      map[uuid.UUID][]StepEvent
}

// ReadCatalogue reads the person's latest attempt at each module, their
// latest completion of each, and those attempts' chains' step events, in
// one round trip (readAll).
func (m *Member) ReadCatalogue(ctx context.Context) (CatalogueRead, error) {
	r := CatalogueRead{Events: map[uuid.UUID][]StepEvent{}}
	var events []struct {
		StepEvent
		RootID uuid.UUID `bun:"root_id"`
	}
	err := m.run(ctx, func(db bun.IDB) error {
		latest := m.selectCourseAttempts(db).DistinctOn("ca.module_id").
			OrderExpr("ca.module_id, ca.started_at DESC, ca.id DESC")
		roots := db.NewSelect().TableExpr("(?) AS l", latest).ColumnExpr("l.root_id")
		return m.o.s.readAll(ctx, db,
			rowsOf(latest, &r.Attempts),
			rowsOf(m.selectCompletions(db).DistinctOn("c.module_id").
				OrderExpr("c.module_id, c.completed_at DESC, c.id"), &r.Completions),
			rowsOf(db.NewSelect().TableExpr("step_events AS se").ColumnExpr("se.*, ca.root_id").
				Join("JOIN course_attempts AS ca ON ca.id = se.attempt_id").
				Where("se.org_id = ?", m.o.id).Where("se.person_id = ?", m.id).
				Where("ca.root_id IN (?)", roots).
				OrderExpr("se.at, se.id"), &events))
	})
	if err != nil {
		return CatalogueRead{}, wrap("read catalogue", err)
	}
	for _, e := range events {
		r.Events[e.RootID] = append(r.Events[e.RootID], e.StepEvent)
	}
	return r, nil
}
