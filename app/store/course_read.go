package store

import (
	"context"
	"database/sql"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/db"
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
// opts asks for, in one round trip to PostgreSQL, as statements each
// connection prepares once (prepared.go): each query finds the latest
// attempt for itself. ErrNotFound if the person never started the module.
//
// Each query is its own statement, with its own snapshot, as the separate
// reads were: a new chain started by another request (a retake in a
// second tab) between two of them can show one page a course bar that
// mixes the two. Nothing is written from it: OpenLesson's "opened" check
// matches the attempt's own id, and a choice is checked against its
// attempt row when it is stored.
func (m *Member) ReadCourse(ctx context.Context, moduleID string, opts CourseReadOptions) (CourseRead, error) {
	var r CourseRead
	err := m.run(ctx, func(idb bun.IDB) error {
		r = CourseRead{}
		var found bool
		course := []any{m.o.id, m.id, moduleID}
		qs := db.Prepared{
			{Statement: readAttemptStmt, Args: course},
			{Statement: readCompletionStmt, Args: course},
			{Statement: readEventsStmt, Args: course},
			{Statement: readAnswersStmt, Args: course},
		}
		scans := []func(rows *sql.Rows) error{
			func(rows *sql.Rows) error { found = true; return scanCourseAttempt(rows, &r.Attempt) },
			func(rows *sql.Rows) error {
				r.Completion = new(Completion)
				return scanCompletion(rows, r.Completion)
			},
			func(rows *sql.Rows) error {
				r.Events = append(r.Events, StepEvent{})
				return scanStepEvent(rows, &r.Events[len(r.Events)-1])
			},
			func(rows *sql.Rows) error {
				r.Answers = append(r.Answers, ConfidenceAnswer{})
				return scanConfidence(rows, &r.Answers[len(r.Answers)-1])
			},
		}
		if opts.Support {
			qs = append(qs, db.Query{Statement: readSupportStmt, Args: []any{m.o.id}})
			scans = append(scans, func(rows *sql.Rows) error {
				r.Support = append(r.Support, SupportResource{})
				return scanSupport(rows, &r.Support[len(r.Support)-1])
			})
		}
		scenario := func(rows *sql.Rows) error {
			r.Scenario = new(ScenarioAttempt)
			return scanScenarioAttempt(rows, r.Scenario)
		}
		switch {
		case opts.ScenarioAttempt != uuid.Nil:
			qs = append(qs, db.Query{Statement: readScenarioStmt, Args: []any{m.o.id, m.id, opts.ScenarioAttempt}})
			scans = append(scans, scenario)
		case opts.LatestScenario != "":
			qs = append(qs, db.Query{Statement: readLatestScenarioStmt, Args: []any{m.o.id, m.id, moduleID, opts.LatestScenario}})
			scans = append(scans, scenario)
		}
		if err := prepared(ctx, idb, qs, func(set int, rows *sql.Rows) error { return scans[set](rows) }); err != nil {
			return err
		}
		if !found {
			return ErrNotFound
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
