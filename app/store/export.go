package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Exports read row by row: each Stream method runs one query in one
// transaction bound to the organisation and hands every row to fn as it
// arrives from PostgreSQL, so an export of any size holds one row at a
// time. An error from fn stops the query and is returned.

// stream runs query on the handle's transaction and calls row for each
// row, in order.
func (o *Org) stream(ctx context.Context, what, query string, args []any, row func(rows *sql.Rows) error) error {
	return wrap(what, o.run(ctx, func(db bun.IDB) error {
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := row(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}))
}

// StreamDuties hands fn every duty q selects, in the order Duties lists
// them (a person in two teams once under each).
func (o *Org) StreamDuties(ctx context.Context, q CoverageQuery, fn func(Duty) error) error {
	return wrap("stream duties", o.streamDuties(ctx, q, DutyList{}, fn))
}

// CompletionRow is a completion as the organisation's export lists it.
type CompletionRow struct {
	ID           uuid.UUID
	PersonID     uuid.UUID
	PersonName   string
	PersonActive bool
	ModuleID     string
	// ModuleTitle is the course's title in the version completed.
	ModuleTitle     string
	ModuleVersion   string
	CourseAttemptID uuid.UUID
	CompletedAt     time.Time
	ExpiresAt       *time.Time
}

// StreamCompletions hands fn every completion of the organisation's
// people, oldest first.
func (o *Org) StreamCompletions(ctx context.Context, fn func(CompletionRow) error) error {
	// Each version's title is read from its canonical content (a large
	// document) once, not once per completion.
	query := `WITH titles AS MATERIALIZED (
	SELECT cv.id, cv.version, cv.canonical->>'title' AS title FROM content_versions cv WHERE cv.kind = 'module'
)
SELECT c.id, c.person_id, p.name, p.active, c.module_id, coalesce(t.title, c.module_id),
	c.module_version, c.course_attempt_id, c.completed_at, c.expires_at
FROM completions c
JOIN people p ON p.org_id = c.org_id AND p.id = c.person_id
LEFT JOIN titles t ON t.id = c.module_id AND t.version = c.module_version
WHERE c.org_id = ?
ORDER BY c.completed_at, c.id`
	return o.stream(ctx, "stream completions", query, []any{o.id}, func(rows *sql.Rows) error {
		var r CompletionRow
		if err := rows.Scan(&r.ID, &r.PersonID, &r.PersonName, &r.PersonActive, &r.ModuleID, &r.ModuleTitle,
			&r.ModuleVersion, &r.CourseAttemptID, &r.CompletedAt, &r.ExpiresAt); err != nil {
			return err
		}
		return fn(r)
	})
}

// ActivityKind is what a learning record says happened, in the order
// records of the same moment are listed.
type ActivityKind int

// The kinds of learning record the xAPI statements are made from.
const (
	// ActivityStarted: a course attempt began (the first of its chain).
	ActivityStarted ActivityKind = iota + 1
	// ActivityChoice: a choice was made at a scenario node.
	ActivityChoice
	// ActivityScenarioEnd: a scenario attempt reached an ending.
	ActivityScenarioEnd
	// ActivityQuiz: a quiz was submitted, passed or not.
	ActivityQuiz
	// ActivityCompletion: a course was completed.
	ActivityCompletion
)

// ActivityKinds lists every kind, in order.
var ActivityKinds = []ActivityKind{ActivityStarted, ActivityChoice, ActivityScenarioEnd, ActivityQuiz, ActivityCompletion}

// Activity is one learning record, with what a statement about it needs:
// who, when, which course attempt chain it belongs to, and the titles of
// the content in the version the learner had. It carries no answer: not
// which choice was made, nor how a scenario ended.
type Activity struct {
	Kind ActivityKind
	At   time.Time
	// RecordID and Seq identify the record: the course attempt,
	// scenario attempt (Seq: the choice's number in it), quiz attempt or
	// completion.
	RecordID uuid.UUID
	Seq      int
	PersonID uuid.UUID
	// Registration is the first course attempt of the chain the record
	// belongs to.
	Registration uuid.UUID
	ModuleID     string
	ModuleTitle  string
	// ScenarioID, ScenarioTitle and Node: for choices and scenario
	// endings. Choices are the texts of the node's choices, in order.
	ScenarioID    string
	ScenarioTitle string
	Node          string
	Choices       []string
	// StepID, Correct, Total, Passed: for quizzes. A completion carries
	// the sum of its quizzes' best scores in Correct and Total.
	StepID  string
	Correct int
	Total   int
	Passed  bool
}

// ActivityCursor is the position of a record in the order the records
// are listed: by time, then kind, then record id and number.
type ActivityCursor struct {
	At       time.Time
	Kind     ActivityKind
	RecordID uuid.UUID
	Seq      int
}

// ActivityQuery selects learning records. Zero fields select everything.
type ActivityQuery struct {
	// Since (exclusive) and Until (inclusive) bound the records' times.
	Since, Until *time.Time
	// Kinds limits the records to these kinds (nil: all).
	Kinds []ActivityKind
	// Module, Scenario, Node and Step limit the records to those about
	// this course, scenario, node or quiz step; Passed to quizzes passed
	// (true) or not (false).
	Module, Scenario, Node, Step string
	Passed                       *bool
	// After lists only the records after this one (before it, when
	// Descending).
	After *ActivityCursor
	// Descending lists the newest first.
	Descending bool
	// Limit is the most records listed (0: all).
	Limit int
}

// activityBranch is one source of records: its SELECT list (in the
// columns every branch shares), its FROM, the organisation column, its
// order columns (time, record id, number) and which filters it takes.
type activityBranch struct {
	kind               ActivityKind
	selectSQL, fromSQL string
	orgCol             string
	at, rid, seq       string
	module, scenario   string
	node, step, passed string
	where              string
}

// activityBranches are the five sources, by kind. Each selects the
// record's keys only — (time, record id, number, person, registration,
// course and version, scenario and version, node, quiz step, score, passed)
// — and is read along an index on (org_id, time, id) of its table
// (migration 20261203130000_exports); the titles are looked up for the
// page's rows alone (activitySQL).
var activityBranches = []activityBranch{
	{
		kind: ActivityStarted,
		selectSQL: `a.started_at, a.id, 0, a.person_id, a.root_id, a.module_id, a.module_version,
			'', '', '', '', 0, 0, false`,
		fromSQL: `course_attempts a`,
		orgCol:  "a.org_id", at: "a.started_at", rid: "a.id", seq: "0",
		module: "a.module_id", where: "a.id = a.root_id",
	},
	{
		kind: ActivityChoice,
		selectSQL: `ch.at, ch.attempt_id, ch.seq, ch.person_id, ca.root_id, ca.module_id, ca.module_version,
			sa.scenario_id, sa.scenario_version, ch.node, '', 0, 0, false`,
		fromSQL: `scenario_choices ch
			JOIN scenario_attempts sa ON sa.id = ch.attempt_id
			JOIN course_attempts ca ON ca.id = sa.course_attempt_id`,
		orgCol: "ch.org_id", at: "ch.at", rid: "ch.attempt_id", seq: "ch.seq",
		module: "ca.module_id", scenario: "sa.scenario_id", node: "ch.node",
	},
	{
		kind: ActivityScenarioEnd,
		selectSQL: `sa.finished_at, sa.id, 0, sa.person_id, ca.root_id, ca.module_id, ca.module_version,
			sa.scenario_id, sa.scenario_version, '', '', 0, 0, false`,
		fromSQL: `scenario_attempts sa
			JOIN course_attempts ca ON ca.id = sa.course_attempt_id`,
		orgCol: "sa.org_id", at: "sa.finished_at", rid: "sa.id", seq: "0",
		module: "ca.module_id", scenario: "sa.scenario_id", where: "sa.finished_at IS NOT NULL",
	},
	{
		kind: ActivityQuiz,
		selectSQL: `q.at, q.id, 0, q.person_id, ca.root_id, ca.module_id, ca.module_version,
			'', '', '', q.step_id, q.correct, q.total, q.passed`,
		fromSQL: `quiz_attempts q
			JOIN course_attempts ca ON ca.id = q.course_attempt_id`,
		orgCol: "q.org_id", at: "q.at", rid: "q.id", seq: "0",
		module: "ca.module_id", step: "q.step_id", passed: "q.passed",
	},
	{
		kind: ActivityCompletion,
		selectSQL: `c.completed_at, c.id, 0, c.person_id, ca.root_id, c.module_id, c.module_version,
			'', '', '', '',
			(SELECT coalesce(sum((x->>'correct')::int), 0)::int FROM jsonb_array_elements(coalesce(c.summary->'quizzes', '[]')) x),
			(SELECT coalesce(sum((x->>'total')::int), 0)::int FROM jsonb_array_elements(coalesce(c.summary->'quizzes', '[]')) x),
			true`,
		fromSQL: `completions c
			JOIN course_attempts ca ON ca.id = c.course_attempt_id`,
		orgCol: "c.org_id", at: "c.completed_at", rid: "c.id", seq: "0",
		module: "c.module_id",
	},
}

// activitySQL builds the query for q: one subquery per kind it can
// select, each ordered and limited on its own (so each reads only from
// the cursor on, along its index), merged in order.
func (o *Org) activitySQL(q ActivityQuery) (string, []any) {
	dir, cmp, cmpEq := "ASC", ">", ">="
	if q.Descending {
		dir, cmp, cmpEq = "DESC", "<", "<="
	}
	var parts []string
	var args []any
	for _, b := range activityBranches {
		if q.Kinds != nil && !slices.Contains(q.Kinds, b.kind) {
			continue
		}
		where := []string{b.orgCol + " = ?"}
		bargs := []any{o.id}
		if b.where != "" {
			where = append(where, b.where)
		}
		// A filter on something this kind of record does not have
		// selects none of them.
		for _, f := range []struct {
			col, val string
		}{{b.module, q.Module}, {b.scenario, q.Scenario}, {b.node, q.Node}, {b.step, q.Step}} {
			if f.val == "" {
				continue
			}
			if f.col == "" {
				where = append(where, "false")
				continue
			}
			where = append(where, f.col+" = ?")
			bargs = append(bargs, f.val)
		}
		if q.Passed != nil {
			if b.passed == "" {
				where = append(where, "false")
			} else {
				where = append(where, b.passed+" = ?")
				bargs = append(bargs, *q.Passed)
			}
		}
		if q.Since != nil {
			where = append(where, b.at+" > ?")
			bargs = append(bargs, *q.Since)
		}
		if q.Until != nil {
			where = append(where, b.at+" <= ?")
			bargs = append(bargs, *q.Until)
		}
		if c := q.After; c != nil {
			// After the cursor in (time, kind, record, number) order:
			// this kind is constant here, so the comparison is on time
			// alone for the other kinds.
			switch {
			case b.kind == c.Kind:
				where = append(where, fmt.Sprintf("(%s, %s, %s) %s (?, ?, ?)", b.at, b.rid, b.seq, cmp))
				bargs = append(bargs, c.At, c.RecordID, c.Seq)
			case (b.kind > c.Kind) != q.Descending:
				where = append(where, b.at+" "+cmpEq+" ?")
				bargs = append(bargs, c.At)
			default:
				where = append(where, b.at+" "+cmp+" ?")
				bargs = append(bargs, c.At)
			}
		}
		order := fmt.Sprintf("%s %s, %s %s", b.at, dir, b.rid, dir)
		if b.seq != "0" { // a constant in ORDER BY would name a column
			order += fmt.Sprintf(", %s %s", b.seq, dir)
		}
		part := fmt.Sprintf("(SELECT %d AS kind, %s FROM %s WHERE %s ORDER BY %s",
			b.kind, b.selectSQL, b.fromSQL, strings.Join(where, " AND "), order)
		if q.Limit > 0 {
			part += fmt.Sprintf(" LIMIT %d", q.Limit)
		}
		parts = append(parts, part+")")
		args = append(args, bargs...)
	}
	if len(parts) == 0 {
		return "", nil
	}
	order := fmt.Sprintf("at %s, kind %s, rid %s, seq %s", dir, dir, dir, dir)
	limit := ""
	if q.Limit > 0 {
		limit = fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	// The records are chosen on their keys (page); only then are the
	// titles (and the nodes' choices) read from the versions' canonical
	// content — a large document each — once per version the records
	// name (modules, scenarios), not once per record.
	query := fmt.Sprintf(`WITH page AS MATERIALIZED (
	SELECT * FROM (%s) r (kind, at, rid, seq, person_id, registration, module_id, module_version,
		scenario_id, scenario_version, node, step_id, correct, total, passed)
	ORDER BY %s%s
), modules AS MATERIALIZED (
	SELECT cv.id, cv.version, cv.canonical->>'title' AS title FROM content_versions cv
	WHERE cv.kind = 'module' AND (cv.id, cv.version) IN (SELECT module_id, module_version FROM page)
), scenarios AS MATERIALIZED (
	SELECT cv.id, cv.version, cv.canonical->>'title' AS title, cv.canonical->'nodes' AS nodes FROM content_versions cv
	WHERE cv.kind = 'scenario' AND (cv.id, cv.version) IN (SELECT scenario_id, scenario_version FROM page WHERE scenario_id <> '')
)
SELECT p.kind, p.at, p.rid, p.seq, p.person_id, p.registration, p.module_id, coalesce(m.title, p.module_id),
	p.scenario_id, coalesce(s.title, p.scenario_id), p.node, jsonb_path_query_array(s.nodes->p.node, '$.choices[*].text'),
	p.step_id, p.correct, p.total, p.passed
FROM page p
LEFT JOIN modules m ON m.id = p.module_id AND m.version = p.module_version
LEFT JOIN scenarios s ON s.id = p.scenario_id AND s.version = p.scenario_version
ORDER BY %s`, strings.Join(parts, "\nUNION ALL\n"), order, limit, order)
	return query, args
}

// StreamActivity hands fn the organisation's learning records that q
// selects, in time order (newest first when q.Descending).
func (o *Org) StreamActivity(ctx context.Context, q ActivityQuery, fn func(Activity) error) error {
	query, args := o.activitySQL(q)
	if query == "" {
		return nil
	}
	return o.stream(ctx, "stream activity", query, args, func(rows *sql.Rows) error {
		var a Activity
		var choices []byte
		if err := rows.Scan(&a.Kind, &a.At, &a.RecordID, &a.Seq, &a.PersonID, &a.Registration, &a.ModuleID, &a.ModuleTitle,
			&a.ScenarioID, &a.ScenarioTitle, &a.Node, &choices, &a.StepID, &a.Correct, &a.Total, &a.Passed); err != nil {
			return err
		}
		if len(choices) > 0 {
			if err := json.Unmarshal(choices, &a.Choices); err != nil {
				return err
			}
		}
		return fn(a)
	})
}
