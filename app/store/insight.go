package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// What coverage's roster, trend and evaluation read beyond the duties
// (docs/coverage.md). Each takes the teams to look at: nil means the whole
// organisation, a list (a manager's teams) means the people in them.

// inTeams is the SQL condition "col is a person in one of teams" (true
// when teams is nil), with its arguments.
func (o *Org) inTeams(col string, teams []uuid.UUID) (string, []any) {
	if teams == nil {
		return "true", nil
	}
	return col + " IN (SELECT tm.person_id FROM team_members tm WHERE tm.org_id = ? AND tm.team_id = ANY(?))",
		[]any{o.id, pgdialect.Array(teams)}
}

// PastCompletion is one completion of a course, for the trend: when, and
// whether every scenario in it finished at least mixed (what a strict
// requirement asks).
type PastCompletion struct {
	PersonID    uuid.UUID `bun:"person_id"`
	ModuleID    string    `bun:"module_id"`
	CompletedAt time.Time `bun:"completed_at"`
	StrictOK    bool      `bun:"strict_ok"`
}

// TrendDuty is one person's duty in a course, with their completions of
// it, for the trend.
type TrendDuty struct {
	PersonID uuid.UUID
	ModuleID string
	JoinedAt time.Time
	Months   *int
	Strict   bool
	// Done are their completions of the course, by date (none when the
	// stream was asked for another course's).
	Done []PastCompletion
}

// StreamTrend hands fn each duty q selects (each person once per course;
// q.Teams: the people in those teams), with the person's completions of
// it when module is empty or its course. One statement read as its rows
// arrive, so a large organisation's history — half a million duties and
// a million completions at 50,000 learners — is never held at once.
func (o *Org) StreamTrend(ctx context.Context, q CoverageQuery, module string, fn func(TrendDuty) error) error {
	scope, scopeArgs := o.inTeams("d.person_id", q.Teams)
	query := `SELECT d.person_id, d.module_id, d.joined_at, d.months, d.strict, c.completed_at, completion_strict_ok(c.summary)
FROM coverage_duties d
LEFT JOIN completions c ON c.org_id = d.org_id AND c.person_id = d.person_id AND c.module_id = d.module_id AND (? = '' OR c.module_id = ?)
WHERE d.org_id = ? AND ` + scope + `
ORDER BY d.person_id, d.module_id, c.completed_at`
	args := append([]any{module, module, o.id}, scopeArgs...)
	err := o.run(ctx, func(db bun.IDB) error {
		if _, err := o.prepare(ctx, db, q); err != nil {
			return err
		}
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var d TrendDuty
		have := false
		for rows.Next() {
			var r TrendDuty
			var at *time.Time
			var ok *bool
			if err := rows.Scan(&r.PersonID, &r.ModuleID, &r.JoinedAt, &r.Months, &r.Strict, &at, &ok); err != nil {
				return err
			}
			if !have || r.PersonID != d.PersonID || r.ModuleID != d.ModuleID {
				if have {
					if err := fn(d); err != nil {
						return err
					}
				}
				d, have = r, true
			}
			if at != nil {
				d.Done = append(d.Done, PastCompletion{PersonID: r.PersonID, ModuleID: r.ModuleID, CompletedAt: *at, StrictOK: ok != nil && *ok})
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if have {
			return fn(d)
		}
		return nil
	})
	return wrap("stream the trend's duties", err)
}

// ConfidenceSum adds up the paired confidence answers of one statement of
// one course (Statement empty and Position 0: the course's total).
// A pair is a person's first answer to the statement before the course
// and their latest answer after it; skipped answers are no answers.
type ConfidenceSum struct {
	ModuleID  string `bun:"module_id"`
	Statement string `bun:"statement"`
	// Position is the statement's place in the course's list (1-based; 0
	// for the course's total).
	Position int `bun:"position"`
	// People answered both; Pairs is how many pairs they gave (one per
	// person for a statement).
	People int `bun:"people"`
	Pairs  int `bun:"pairs"`
	// SumBefore and SumAfter add up the answers (1–5); AgreeBefore and
	// AgreeAfter count the answers of 4 or 5.
	SumBefore   int `bun:"sum_before"`
	SumAfter    int `bun:"sum_after"`
	AgreeBefore int `bun:"agree_before"`
	AgreeAfter  int `bun:"agree_after"`
}

// ConfidenceSums adds up the confidence answers of the people in teams
// (nil: everyone, deactivated people included), per course and
// statement, and per course over the statements that at least floor
// people answered both before and after: a statement left out of the
// figures for resting on fewer can't then be worked out from its course's
// total.
func (o *Org) ConfidenceSums(ctx context.Context, teams []uuid.UUID, floor int) ([]ConfidenceSum, error) {
	var out []ConfidenceSum
	scope, sargs := o.inTeams("cf.person_id", teams)
	// answers is every answer given (not skipped) with its course;
	// before is each person's first per course and statement, after their
	// latest; a pair needs the after no earlier than the before. A person
	// has at most one pair per course and statement, so a statement's
	// pairs counted are its people: the course's total takes the pairs of
	// the statements with enough of them by that count over a window,
	// not by joining the statements back (their estimates of one row
	// each made that a nested loop: 250 ms of 360 for 1,500 people).
	sql := `WITH answers AS (
	SELECT cf.person_id, ca.module_id, cf.statement_text, cf.statement, cf.phase, cf.value, cf.at, cf.course_attempt_id
	FROM confidence_answers cf
	JOIN course_attempts ca ON ca.org_id = cf.org_id AND ca.id = cf.course_attempt_id
	WHERE cf.org_id = ? AND cf.value IS NOT NULL AND ` + scope + `
), before AS (
	SELECT DISTINCT ON (person_id, module_id, statement_text) person_id, module_id, statement_text, statement, value, at
	FROM answers WHERE phase = 'pre'
	ORDER BY person_id, module_id, statement_text, at, course_attempt_id
), after AS (
	SELECT DISTINCT ON (person_id, module_id, statement_text) person_id, module_id, statement_text, value, at
	FROM answers WHERE phase = 'post'
	ORDER BY person_id, module_id, statement_text, at DESC, course_attempt_id DESC
), pairs AS (
	SELECT b.person_id, b.module_id, b.statement_text, b.statement, b.value AS v_before, a.value AS v_after
	FROM before b JOIN after a USING (person_id, module_id, statement_text)
	WHERE a.at >= b.at
), statements AS (
	SELECT module_id, statement_text AS statement, min(statement) AS position,
		count(DISTINCT person_id) AS people, count(*) AS pairs,
		sum(v_before) AS sum_before, sum(v_after) AS sum_after,
		count(*) FILTER (WHERE v_before >= 4) AS agree_before,
		count(*) FILTER (WHERE v_after >= 4) AS agree_after
	FROM pairs GROUP BY module_id, statement_text
)
SELECT * FROM statements
UNION ALL
SELECT p.module_id, '', 0, count(DISTINCT p.person_id), count(*), sum(p.v_before), sum(p.v_after),
	count(*) FILTER (WHERE p.v_before >= 4), count(*) FILTER (WHERE p.v_after >= 4)
FROM (
	SELECT p.*, count(*) OVER (PARTITION BY p.module_id, p.statement_text) AS people FROM pairs p
) p
WHERE p.people >= ?
GROUP BY p.module_id
ORDER BY module_id, position, statement`
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewRaw(sql, append(append([]any{o.id}, sargs...), floor)...).Scan(ctx, &out)
	})
	return out, wrap("add up confidence answers", err)
}

// Which of a person's finished attempts at a scenario an EndingCount
// counts.
const (
	FirstEnding  = "first"
	LatestEnding = "latest"
)

// EndingCount is how many people's first (or latest) finished attempt at
// a scenario, within a course, ended with an outcome.
type EndingCount struct {
	ModuleID   string `bun:"module_id"`
	ScenarioID string `bun:"scenario_id"`
	Which      string `bun:"which"` // FirstEnding or LatestEnding
	Outcome    string `bun:"outcome"`
	People     int    `bun:"people"`
}

// EndingCounts counts the endings the people in teams (nil: everyone)
// reached in each scenario of each course, at their first and at their
// latest finished attempt.
func (o *Org) EndingCounts(ctx context.Context, teams []uuid.UUID) ([]EndingCount, error) {
	var out []EndingCount
	scope, sargs := o.inTeams("sa.person_id", teams)
	sql := `WITH ends AS (
	SELECT ca.module_id, sa.scenario_id,
		(array_agg(sa.outcome ORDER BY sa.finished_at, sa.started_at, sa.id))[1] AS first,
		(array_agg(sa.outcome ORDER BY sa.finished_at DESC, sa.started_at DESC, sa.id DESC))[1] AS latest
	FROM scenario_attempts sa
	JOIN course_attempts ca ON ca.org_id = sa.org_id AND ca.id = sa.course_attempt_id
	WHERE sa.org_id = ? AND sa.finished_at IS NOT NULL AND ` + scope + `
	GROUP BY sa.person_id, ca.module_id, sa.scenario_id
)
SELECT module_id, scenario_id, 'first' AS which, first AS outcome, count(*) AS people FROM ends GROUP BY module_id, scenario_id, first
UNION ALL
SELECT module_id, scenario_id, 'latest', latest, count(*) FROM ends GROUP BY module_id, scenario_id, latest
ORDER BY module_id, scenario_id, which, outcome`
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewRaw(sql, append([]any{o.id}, sargs...)...).Scan(ctx, &out)
	})
	return out, wrap("count scenario endings", err)
}

// RosterTeam is one team's responder cover at a moment, as the database
// keeps it (migration 20261204120000_coverage_roster): how many have the
// responder label, how many of them are in date — hold an unexpired
// completion of every course the team's responders need — and when that
// lapses. Who they are is RosterInDate's, for the teams a page shows.
type RosterTeam struct {
	TeamID uuid.UUID
	// Labelled counts the team's active people with the responder label;
	// InDate those of them in date.
	Labelled, InDate int
	// Never: an in-date responder holds training that never expires.
	Never bool
	// LapsesAt is the latest of the in-date responders' first expiries.
	LapsesAt *time.Time
}

// RosterPerson is one person with the responder label in one team; for
// an in-date responder, Until is their first expiry (nil: never) and
// UntilModule the course that expires then.
type RosterPerson struct {
	TeamID      uuid.UUID
	PersonID    uuid.UUID
	Name        string
	Until       *time.Time
	UntilModule *string
}

// Roster works out the responder cover at q.Now of each team with anyone
// labelled a responder (of teams, or every team when nil), from the roll-up
// the database keeps: plain aggregates over a row per team and responder,
// the same statement every time (q readies the coverage tables, as every
// coverage read does).
func (o *Org) Roster(ctx context.Context, q CoverageQuery, teams []uuid.UUID) ([]RosterTeam, error) {
	out, err := coverageList(ctx, o, q, `WITH r AS (
	SELECT r.team_id, r.until, r.complete AND (r.until IS NULL OR r.until > $2) AS in_date
	FROM coverage_roster r WHERE r.org_id = $1 AND ($3::uuid[] IS NULL OR r.team_id = ANY($3::uuid[]))
)
SELECT team_id, count(*)::int, count(*) FILTER (WHERE in_date)::int,
	coalesce(bool_or(in_date AND until IS NULL), false), max(until) FILTER (WHERE in_date)
FROM r GROUP BY team_id`, []any{o.id, q.Now, uuidArray(teams)}, func(rows *sql.Rows, t *RosterTeam) error {
		return rows.Scan(&t.TeamID, &t.Labelled, &t.InDate, &t.Never, &t.LapsesAt)
	})
	return out, wrap("read roster", err)
}

// RosterInDate lists the in-date responders at q.Now of teams, by team and
// name, each with their first expiry.
func (o *Org) RosterInDate(ctx context.Context, q CoverageQuery, teams []uuid.UUID) ([]RosterPerson, error) {
	if len(teams) == 0 {
		return nil, nil
	}
	out, err := coverageList(ctx, o, q, `SELECT team_id, person_id, name, until, until_module FROM coverage_roster
WHERE org_id = $1 AND team_id = ANY($2::uuid[]) AND complete AND (until IS NULL OR until > $3)
ORDER BY team_id, lower(name), person_id`, []any{o.id, uuidArray(teams), q.Now}, func(rows *sql.Rows, p *RosterPerson) error {
		return rows.Scan(&p.TeamID, &p.PersonID, &p.Name, &p.Until, &p.UntilModule)
	})
	return out, wrap("list in-date responders", err)
}

// RosterPeople lists the people with the responder label in teams, by
// team and name.
func (o *Org) RosterPeople(ctx context.Context, teams []uuid.UUID) ([]RosterPerson, error) {
	var out []RosterPerson
	err := o.run(ctx, func(db bun.IDB) (err error) {
		out, err = cachedList(ctx, db, `SELECT team_id, person_id, name FROM coverage_roster
WHERE org_id = $1 AND team_id = ANY($2::uuid[]) ORDER BY team_id, lower(name), person_id`, []any{o.id, uuidArray(teams)},
			func(rows *sql.Rows, p *RosterPerson) error { return rows.Scan(&p.TeamID, &p.PersonID, &p.Name) })
		return err
	})
	return out, wrap("list responders", err)
}
