package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// SeedPlan is an organisation's worth of plausible demo data, for trials
// and benchmarks (app/seed makes it; `upstand demo seed` and the demo
// organisation use it). Org.Seed writes it in bulk, a statement per kind
// of row, in one transaction bound to the organisation: the database's
// own triggers roll up what they always roll up (progress, duties and
// their counts, choice analytics) from the same rows, a statement at a
// time. Every choice is drawn from a hash of the seed and the row, so the
// same plan writes the same people and history (relative to Now).
type SeedPlan struct {
	Seed int64
	// Now is when the history ends: attempts and completions fall in the
	// year before it.
	Now time.Time
	// Learners is how many people to add; their emails are on Domain.
	Learners              int
	Domain                string
	FirstNames, LastNames []string
	// Teams are the team names (existing teams of the same name are
	// used). Each person is in one team (a few in two, a few in none).
	Teams []string
	// RoleLabels: everyone has exactly one, in these shares; ExtraLabels:
	// some people have them, each in its share.
	RoleLabels, ExtraLabels []SeedLabel
	// ResponderLabel names the label made the organisation's responder
	// label; DueSoonDays is its due-soon window.
	ResponderLabel string
	DueSoonDays    int
	Courses        []SeedCourse
	Scenarios      []SeedScenario
	// Requirements are stated a year before Now.
	Requirements []SeedRequirement
	// Completions is how many completions to write (each with its
	// attempt and certificate); some attempts are left unfinished besides.
	Completions int
	// ConfidenceShare of attempts have their confidence check answered
	// (before and after); ScenarioShare of completions keep a scenario
	// attempt, choice by choice.
	ConfidenceShare, ScenarioShare float64
}

// SeedLabel is a job label and the share of people who have it.
type SeedLabel struct {
	Name  string
	Share float64
}

// SeedCourse is a course as the seed writes its records: its version, its
// own refresher period, and what a completion's summary holds.
type SeedCourse struct {
	ModuleID, Version string
	Months            int // the course's own refresher period; 0: none
	Steps             int
	QuizStep          string // "" when it has no quiz
	QuizTotal         int
	PassPercent       int
	Statements        []string // the confidence check
	Scenarios         []string // scenario ids, in step order
}

// SeedScenario is a scenario version and ways through it, each made with
// the rules of play: the states after each choice (States[0] is the
// start), the nodes and choices taken, and the ending.
type SeedScenario struct {
	ID, Version string
	Paths       []SeedPath
}

// SeedPath is one way through a scenario.
type SeedPath struct {
	States  []json.RawMessage
	Nodes   []string
	Choices []int
	Outcome string
}

// SeedRequirement is a requirement of a team, a label or both (by name).
type SeedRequirement struct {
	ModuleID    string
	Team, Label string
	DueDays     int
	Refresher   string
	Months      int
	Strict      bool
}

// SeedStep is one bulk step as it ran.
type SeedStep struct {
	Name string
	Rows int64
	Took time.Duration
}

// seedSQL writes the plan's statements: u is a uniform number in [0, 1)
// drawn from the seed and the parts.
type seedSQL struct {
	p  SeedPlan
	o  *Org
	db bun.IDB
}

func (s seedSQL) u(parts ...string) string {
	return fmt.Sprintf("((hashtextextended(concat_ws(':', %s), %d) & 4294967295)::float8 / 4294967296.0)", strings.Join(parts, ", "), s.p.Seed)
}

// Seed writes the plan into the organisation, reporting each step as it
// ends. The organisation must not hold people on the plan's domain yet.
func (o *Org) Seed(ctx context.Context, p SeedPlan, report func(SeedStep)) error {
	return wrap("seed", o.InTx(ctx, func(tx *Org) error {
		s := seedSQL{p: p, o: tx, db: tx.tx}
		return s.run(ctx, report)
	}))
}

func (s seedSQL) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := s.db.NewRaw(query, args...).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("%w\n%s", err, query)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func (s seedSQL) run(ctx context.Context, report func(SeedStep)) error {
	p, org := s.p, s.o.id
	var taken int
	seeded := `\.[0-9]+@` + strings.ReplaceAll(strings.ToLower(p.Domain), ".", `\.`) + "$"
	err := s.db.NewRaw("SELECT count(*) FROM people WHERE org_id = ? AND lower(email) ~ ?", org, seeded).Scan(ctx, &taken)
	if err != nil {
		return err
	}
	if taken > 0 {
		return fmt.Errorf("the organisation already has %d seeded people on %s: seed another organisation", taken, p.Domain)
	}
	step := func(name string, fn func() (int64, error)) error {
		start := time.Now()
		n, err := fn()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if report != nil {
			report(SeedStep{Name: name, Rows: n, Took: time.Since(start)})
		}
		return nil
	}
	// Big sorts and hashes stay in memory. The planner's statistics do
	// not know the rows this transaction adds (the application's role may
	// not analyse the tables), so it would join thousands of rows as if
	// there were a handful, one by one: joins here hash or merge.
	if _, err := s.exec(ctx, "SET LOCAL work_mem = '256MB'"); err != nil {
		return err
	}
	if _, err := s.exec(ctx, "SET LOCAL enable_nestloop = off"); err != nil {
		return err
	}
	// Compiling the big statements would cost seconds each.
	if _, err := s.exec(ctx, "SET LOCAL jit = off"); err != nil {
		return err
	}

	var teams, labels map[string]uuid.UUID
	roleNames, extraNames := names(p.RoleLabels), names(p.ExtraLabels)
	if err := step("teams and labels", func() (int64, error) {
		var err error
		if teams, err = s.groups(ctx, "teams", p.Teams); err != nil {
			return 0, err
		}
		labels, err = s.groups(ctx, "labels", append(roleNames, extraNames...))
		return int64(len(teams) + len(labels)), err
	}); err != nil {
		return err
	}
	teamIDs := make([]uuid.UUID, len(p.Teams))
	for i, n := range p.Teams {
		teamIDs[i] = teams[strings.ToLower(n)]
	}

	if err := step("people", func() (int64, error) {
		if _, err := s.exec(ctx, `CREATE TEMP TABLE seed_people ON COMMIT DROP AS
SELECT md5(?::text || ':' || ?::text || ':person:' || g)::uuid AS id, g,
	(?::text[])[1 + floor(`+s.u("'first'", "g")+` * ?)::int] AS first,
	(?::text[])[1 + floor(`+s.u("'last'", "g")+` * ?)::int] AS last,
	?::timestamptz - make_interval(secs => floor(86400 * CASE WHEN `+s.u("'new'", "g")+` < 0.08
		THEN 1 + `+s.u("'age'", "g")+` * 120 ELSE 120 + `+s.u("'age'", "g")+` * (5 * 365 - 120) END)) AS joined
FROM generate_series(1, ?) g`, org.String(), p.Seed, pgdialect.Array(p.FirstNames), len(p.FirstNames),
			pgdialect.Array(p.LastNames), len(p.LastNames), p.Now, p.Learners); err != nil {
			return 0, err
		}
		if _, err := s.exec(ctx, "ANALYZE seed_people"); err != nil {
			return 0, err
		}
		return s.exec(ctx, `INSERT INTO people (id, org_id, name, email, user_handle, created_at)
SELECT id, ?, first || ' ' || last,
	regexp_replace(lower(first || '.' || last), '[^a-z.]', '', 'g') || '.' || g || '@' || ?,
	uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()),
	joined
FROM seed_people ORDER BY g`, org, strings.ToLower(p.Domain))
	}); err != nil {
		return err
	}

	if err := step("team memberships", func() (int64, error) {
		n, err := s.exec(ctx, `INSERT INTO team_members (org_id, team_id, person_id, joined_at)
SELECT ?::uuid, t, id, joined FROM (
	SELECT id, joined, (?::uuid[])[1 + floor(`+s.u("'team'", "g")+` * ?)::int] AS t FROM seed_people
	WHERE `+s.u("'no team'", "g")+` >= 0.01
	UNION ALL
	SELECT id, least(?::timestamptz, joined + make_interval(days => floor(`+s.u("'moved'", "g")+` * 400)::int)),
		(?::uuid[])[1 + floor(`+s.u("'team 2'", "g")+` * ?)::int] FROM seed_people
	WHERE `+s.u("'two teams'", "g")+` < 0.03
) m ON CONFLICT DO NOTHING`, org, pgdialect.Array(teamIDs), len(teamIDs), p.Now, pgdialect.Array(teamIDs), len(teamIDs))
		if err != nil {
			return 0, err
		}
		// One manager in each team.
		_, err = s.exec(ctx, `UPDATE team_members tm SET is_manager = true FROM (
	SELECT DISTINCT ON (m.team_id) m.team_id, m.person_id FROM team_members m JOIN seed_people sp ON sp.id = m.person_id
	WHERE m.org_id = ? ORDER BY m.team_id, `+s.u("'manager'", "sp.g")+`
) x WHERE tm.org_id = ? AND tm.team_id = x.team_id AND tm.person_id = x.person_id`, org, org)
		return n, err
	}); err != nil {
		return err
	}

	if err := step("job labels", func() (int64, error) {
		var roleIDs, extraIDs []uuid.UUID
		var cum, shares []float64
		total := 0.0
		for _, l := range p.RoleLabels {
			roleIDs = append(roleIDs, labels[strings.ToLower(l.Name)])
			total += l.Share
			cum = append(cum, total)
		}
		for i := range cum {
			cum[i] /= total
		}
		cum[len(cum)-1] = 1
		for _, l := range p.ExtraLabels {
			extraIDs = append(extraIDs, labels[strings.ToLower(l.Name)])
			shares = append(shares, l.Share)
		}
		return s.exec(ctx, `INSERT INTO person_labels (org_id, label_id, person_id, joined_at)
SELECT ?::uuid, (?::uuid[])[(SELECT min(i) FROM generate_subscripts(?::float8[], 1) i WHERE (?::float8[])[i] > `+s.u("'role'", "g")+`)], id, joined
FROM seed_people
UNION ALL
SELECT ?::uuid, x.label_id, sp.id, least(?::timestamptz, sp.joined + make_interval(days => floor(`+s.u("'promoted'", "sp.g", "x.i")+` * 700)::int))
FROM seed_people sp
CROSS JOIN unnest(?::uuid[], ?::float8[]) WITH ORDINALITY x(label_id, share, i)
WHERE `+s.u("'extra'", "sp.g", "x.i")+` < x.share`,
			org, pgdialect.Array(roleIDs), pgdialect.Array(cum), pgdialect.Array(cum),
			org, p.Now, pgdialect.Array(extraIDs), pgdialect.Array(shares))
	}); err != nil {
		return err
	}

	if err := step("courses and scenarios", func() (int64, error) { return s.courses(ctx) }); err != nil {
		return err
	}

	// The requirements' pairs of person and course, with the shortest
	// refresher: the history is drawn to fit them.
	var reqModules []string
	var reqTeams, reqLabels []string
	var reqMonths []int
	own := map[string]int{}
	for _, c := range p.Courses {
		own[c.ModuleID] = c.Months
	}
	for _, r := range p.Requirements {
		reqModules = append(reqModules, r.ModuleID)
		reqTeams = append(reqTeams, idText(teams, r.Team))
		reqLabels = append(reqLabels, idText(labels, r.Label))
		switch r.Refresher {
		case RefresherMonths:
			reqMonths = append(reqMonths, r.Months)
		case RefresherModule:
			reqMonths = append(reqMonths, own[r.ModuleID])
		default:
			reqMonths = append(reqMonths, 0)
		}
	}
	if err := step("history drawn", func() (int64, error) {
		return s.history(ctx, reqModules, reqTeams, reqLabels, reqMonths)
	}); err != nil {
		return err
	}
	if err := step("course attempts", func() (int64, error) {
		return s.exec(ctx, `INSERT INTO course_attempts (id, org_id, person_id, root_id, module_id, module_version, started_at)
SELECT d.attempt_id, ?, d.person_id, d.attempt_id, d.module_id, c.version, d.started_at
FROM seed_attempts d JOIN seed_courses c ON c.module_id = d.module_id ORDER BY d.seq`, org)
	}); err != nil {
		return err
	}
	if err := step("completions", func() (int64, error) {
		return s.exec(ctx, `INSERT INTO completions (id, org_id, person_id, course_attempt_id, module_id, module_version, completed_at, expires_at, summary)
SELECT (lpad(to_hex(d.seq), 12, '0') || substr(md5(d.attempt_id::text || ':completion'), 13, 20))::uuid, ?, d.person_id, d.attempt_id, d.module_id, c.version, d.done_at,
	CASE WHEN c.months > 0 THEN d.done_at + make_interval(months => c.months) END,
	jsonb_strip_nulls(jsonb_build_object('steps', c.steps,
		'quizzes', CASE WHEN c.quiz_step <> '' THEN jsonb_build_array(jsonb_build_object('step', c.quiz_step,
			'correct', c.quiz_total - floor(`+s.u("'quiz'", "d.attempt_id::text")+` * (c.quiz_total - ceil(c.quiz_total * c.pass_percent / 100.0) + 1))::int,
			'total', c.quiz_total, 'pass_percent', c.pass_percent)) END,
		'scenarios', (SELECT jsonb_agg(jsonb_build_object('step', 'scenario:' || o.scenario_id, 'outcome', o.outcome) ORDER BY o.ord)
			FROM seed_outcomes o WHERE o.attempt_id = d.attempt_id)))
FROM seed_attempts d JOIN seed_courses c ON c.module_id = d.module_id
WHERE d.done_at IS NOT NULL ORDER BY d.seq`, org)
	}); err != nil {
		return err
	}
	if err := step("certificates", func() (int64, error) {
		// Codes are random (a certificate's code is its secret), from the
		// alphabet of real ones.
		return s.exec(ctx, `INSERT INTO certificates (id, org_id, person_id, completion_id, code, issued_at)
SELECT (lpad(to_hex(d.seq), 12, '0') || substr(md5(c.id::text || ':certificate'), 13, 20))::uuid, c.org_id, c.person_id, c.id,
	substr(translate(encode(sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())), 'hex'), '0189', 'wxyz'), 1, 26),
	c.completed_at
FROM seed_attempts d JOIN completions c ON c.org_id = ? AND c.course_attempt_id = d.attempt_id
ORDER BY d.seq`, org)
	}); err != nil {
		return err
	}
	if err := step("confidence answers", func() (int64, error) {
		// Before: 45 % agree (4 or 5); after: 65 %, as workshops report.
		pre := wheel([]float64{0.06, 0.19, 0.30, 0.33, 0.12})
		post := wheel([]float64{0.03, 0.08, 0.24, 0.40, 0.25})
		return s.exec(ctx, `INSERT INTO confidence_answers (org_id, person_id, course_attempt_id, phase, statement, statement_text, value, at)
SELECT ?, d.person_id, d.attempt_id, ph.phase, st.i, st.text,
	CASE WHEN `+s.u("'skip'", "d.attempt_id::text", "ph.phase", "st.i")+` < 0.04 THEN NULL
		WHEN ph.phase = 'pre' THEN (?::int[])[1 + floor(`+s.u("'value'", "d.attempt_id::text", "ph.phase", "st.i")+` * 100)::int]
		ELSE (?::int[])[1 + floor(`+s.u("'value'", "d.attempt_id::text", "ph.phase", "st.i")+` * 100)::int] END,
	CASE ph.phase WHEN 'pre' THEN d.started_at + interval '1 minute' ELSE coalesce(d.done_at, d.started_at + interval '1 hour') END
FROM seed_attempts d
JOIN seed_courses c ON c.module_id = d.module_id
CROSS JOIN LATERAL unnest(c.statements) WITH ORDINALITY st(text, i)
CROSS JOIN (VALUES ('pre'), ('post')) ph(phase)
WHERE `+s.u("'confidence'", "d.attempt_id::text")+` < ? AND (ph.phase = 'pre' OR d.done_at IS NOT NULL)`,
			org, pgdialect.Array(pre), pgdialect.Array(post), p.ConfidenceShare)
	}); err != nil {
		return err
	}
	if err := step("scenario attempts and choices", func() (int64, error) { return s.scenarioAttempts(ctx) }); err != nil {
		return err
	}
	if err := step("coverage settings", func() (int64, error) {
		_, err := s.exec(ctx, "UPDATE organisations SET due_soon_days = ?, responder_label_id = ? WHERE id = ?",
			p.DueSoonDays, idOf(labels, p.ResponderLabel), org)
		if err != nil {
			return 0, err
		}
		months := map[string]int{}
		for _, c := range p.Courses {
			months[c.ModuleID] = c.Months
		}
		_, err = s.o.prepare(ctx, s.db, CoverageQuery{Now: p.Now, DueSoon: time.Duration(p.DueSoonDays) * 24 * time.Hour, ModuleMonths: months})
		return 0, err
	}); err != nil {
		return err
	}
	return step("requirements, duties and their counts", func() (int64, error) {
		var dues, months []int
		var refreshers []string
		var strict []bool
		for _, r := range p.Requirements {
			dues = append(dues, r.DueDays)
			refreshers = append(refreshers, r.Refresher)
			strict = append(strict, r.Strict)
			if r.Refresher == RefresherMonths {
				months = append(months, r.Months)
			} else {
				months = append(months, 0)
			}
		}
		if _, err := s.exec(ctx, `INSERT INTO requirements (org_id, module_id, team_id, label_id, due_days, refresher, refresher_months, strict, effective_from, created_at)
SELECT ?, m, nullif(t, '')::uuid, nullif(l, '')::uuid, d, r, nullif(n, 0), s, ?::timestamptz - interval '365 days', ?::timestamptz - interval '365 days'
FROM unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::int[], ?::boolean[]) x(m, t, l, d, r, n, s)`,
			org, p.Now, p.Now, pgdialect.Array(reqModules), pgdialect.Array(reqTeams), pgdialect.Array(reqLabels),
			pgdialect.Array(dues), pgdialect.Array(refreshers), pgdialect.Array(months), pgdialect.Array(strict)); err != nil {
			return 0, err
		}
		var n int64
		err := s.db.NewRaw("SELECT count(*) FROM coverage_duties WHERE org_id = ?", org).Scan(ctx, &n)
		return n, err
	})
}

func names(ls []SeedLabel) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Name
	}
	return out
}

func idText(ids map[string]uuid.UUID, name string) string {
	if id := idOf(ids, name); id != nil {
		return id.String()
	}
	return ""
}

func idOf(ids map[string]uuid.UUID, name string) *uuid.UUID {
	if name == "" {
		return nil
	}
	id, ok := ids[strings.ToLower(name)]
	if !ok {
		return nil
	}
	return &id
}

// wheel is 100 draws of 1–5 in the given shares.
func wheel(shares []float64) []int {
	out := make([]int, 0, 100)
	total := 0.0
	for i, s := range shares {
		total += s
		for len(out) < int(total*100+0.5) && len(out) < 100 {
			out = append(out, i+1)
		}
	}
	for len(out) < 100 {
		out = append(out, len(shares))
	}
	return out
}

// groups makes the named teams or labels that do not exist yet and
// returns every one's id by lower-case name.
func (s seedSQL) groups(ctx context.Context, table string, ns []string) (map[string]uuid.UUID, error) {
	if _, err := s.exec(ctx, "INSERT INTO ? (org_id, name, created_at) SELECT ?, n, ? FROM unnest(?::text[]) n ON CONFLICT DO NOTHING",
		bun.Ident(table), s.o.id, s.p.Now.AddDate(-5, 0, 0), pgdialect.Array(ns)); err != nil {
		return nil, err
	}
	var rows []struct {
		ID   uuid.UUID `bun:"id"`
		Name string    `bun:"name"`
	}
	if err := s.db.NewRaw("SELECT id, lower(name) AS name FROM ? WHERE org_id = ?", bun.Ident(table), s.o.id).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := map[string]uuid.UUID{}
	for _, r := range rows {
		out[r.Name] = r.ID
	}
	for _, n := range ns {
		if _, ok := out[strings.ToLower(n)]; !ok {
			return nil, fmt.Errorf("no %s called %q", table, n)
		}
	}
	return out, nil
}

// courses loads the courses and scenario paths into temporary tables.
func (s seedSQL) courses(ctx context.Context) (int64, error) {
	if _, err := s.exec(ctx, `CREATE TEMP TABLE seed_courses (
	i int, module_id text PRIMARY KEY, version text, months int, steps int, quiz_step text, quiz_total int, pass_percent int,
	statements text[], scenarios text[]) ON COMMIT DROP`); err != nil {
		return 0, err
	}
	for i, c := range s.p.Courses {
		if _, err := s.exec(ctx, "INSERT INTO seed_courses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?::text[])",
			i+1, c.ModuleID, c.Version, c.Months, c.Steps, c.QuizStep, c.QuizTotal, c.PassPercent,
			pgdialect.Array(c.Statements), pgdialect.Array(c.Scenarios)); err != nil {
			return 0, err
		}
	}
	if _, err := s.exec(ctx, `CREATE TEMP TABLE seed_paths (
	scenario_id text, version text, outcome text, i int, steps int, states jsonb, nodes text[], choices int[]) ON COMMIT DROP`); err != nil {
		return 0, err
	}
	n := int64(0)
	for _, sc := range s.p.Scenarios {
		for i, path := range sc.Paths {
			states, _ := json.Marshal(path.States)
			if _, err := s.exec(ctx, "INSERT INTO seed_paths VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::text[], ?::int[])",
				sc.ID, sc.Version, path.Outcome, i+1, len(path.Nodes), string(states), pgdialect.Array(path.Nodes), pgdialect.Array(path.Choices)); err != nil {
				return 0, err
			}
			n++
		}
	}
	// Each scenario's endings, as a wheel of 100: mostly the best ending
	// it has, as learners who finish a course mostly reach.
	_, err := s.exec(ctx, `CREATE TEMP TABLE seed_wheels ON COMMIT DROP AS
SELECT scenario_id, array_agg(outcome ORDER BY slot) AS wheel FROM (
	SELECT w.scenario_id, slot, (array_agg(w.outcome ORDER BY w.upto) FILTER (WHERE w.upto > slot))[1] AS outcome
	FROM (
		SELECT scenario_id, outcome, (100 * sum(weight) OVER (PARTITION BY scenario_id ORDER BY rank) / sum(weight) OVER (PARTITION BY scenario_id))::int AS upto
		FROM (
			SELECT DISTINCT scenario_id, outcome,
				CASE outcome WHEN 'positive' THEN 1 WHEN 'mixed' THEN 2 ELSE 3 END AS rank,
				CASE outcome WHEN 'positive' THEN 0.70 WHEN 'mixed' THEN 0.22 ELSE 0.08 END AS weight
			FROM seed_paths
		) o
	) w CROSS JOIN generate_series(0, 99) slot
	GROUP BY w.scenario_id, slot
) x GROUP BY scenario_id`)
	return n, err
}

// history draws every attempt and completion into seed_attempts (and
// each completion's scenario endings into seed_outcomes): for each
// course required of someone, mostly a completion within the refresher
// period (the latest first), sometimes earlier ones, a few started and
// unfinished or never started; besides, completions of courses nobody
// requires of them. The first Completions completions in that order are
// kept.
func (s seedSQL) history(ctx context.Context, modules, teams, labels []string, months []int) (int64, error) {
	p, org := s.p, s.o.id
	year := "interval '365 days'"
	if _, err := s.exec(ctx, `CREATE TEMP TABLE seed_pairs ON COMMIT DROP AS
WITH req AS (
	SELECT module_id, nullif(team_id, '')::uuid AS team_id, nullif(label_id, '')::uuid AS label_id, months
	FROM unnest(?::text[], ?::text[], ?::text[], ?::int[]) r(module_id, team_id, label_id, months)
), pairs AS (
	SELECT pl.person_id, r.module_id, r.months FROM person_labels pl JOIN req r ON r.label_id = pl.label_id AND r.team_id IS NULL
	WHERE pl.org_id = ?
	UNION ALL
	SELECT tm.person_id, r.module_id, r.months FROM team_members tm JOIN req r ON r.team_id = tm.team_id AND r.label_id IS NULL
	WHERE tm.org_id = ?
	UNION ALL
	SELECT tm.person_id, r.module_id, r.months FROM team_members tm
	JOIN req r ON r.team_id = tm.team_id
	JOIN person_labels pl ON pl.org_id = tm.org_id AND pl.person_id = tm.person_id AND pl.label_id = r.label_id
	WHERE tm.org_id = ?
)
SELECT sp.id AS person_id, sp.g, sp.joined, x.module_id, nullif(x.months, 0) AS months
FROM (SELECT person_id, module_id, min(months) FILTER (WHERE months > 0) AS months FROM pairs GROUP BY person_id, module_id) x
JOIN seed_people sp ON sp.id = x.person_id`, pgdialect.Array(modules), pgdialect.Array(teams), pgdialect.Array(labels), pgdialect.Array(months),
		org, org, org); err != nil {
		return 0, err
	}
	if _, err := s.exec(ctx, "ANALYZE seed_pairs"); err != nil {
		return 0, err
	}
	// A completion's age: within the refresher period for most (a tenth
	// beyond it, expired), within the year for courses never refreshed.
	span := "(CASE WHEN x.months IS NULL THEN 365 ELSE least(365, x.months * 33) END)"
	first := "greatest(x.joined + interval '2 days', ?::timestamptz - make_interval(secs => floor(" + s.u("'age'", "x.g", "x.module_id") + " * " + span + " * 86400)))"
	if _, err := s.exec(ctx, `CREATE TEMP TABLE seed_done ON COMMIT DROP AS
WITH firsts AS (
	SELECT x.person_id, x.g, x.joined, x.module_id, x.months, `+first+` AS at
	FROM seed_pairs x WHERE `+s.u("'state'", "x.g", "x.module_id")+` >= 0.12
), seconds AS (
	SELECT f.person_id, f.g, f.joined, f.module_id, f.months,
		f.at - make_interval(days => CASE WHEN f.months <= 6 THEN f.months * 30 ELSE 15 END + floor(`+s.u("'gap'", "f.g", "f.module_id")+` * 200)::int) AS at
	FROM firsts f WHERE `+s.u("'again'", "f.g", "f.module_id")+` < 0.6
), thirds AS (
	SELECT f.person_id, f.g, f.joined, f.module_id, f.months,
		f.at - make_interval(days => 15 + floor(`+s.u("'gap 2'", "f.g", "f.module_id")+` * 150)::int) AS at
	FROM seconds f WHERE `+s.u("'again 2'", "f.g", "f.module_id")+` < 0.5
), optional AS (
	SELECT sp.id AS person_id, sp.g, sp.joined, c.module_id, NULL::int AS months,
		greatest(sp.joined + interval '1 day', ?::timestamptz - make_interval(secs => floor(`+s.u("'optional age'", "sp.g", "c.module_id")+` * 365 * 86400))) AS at
	FROM seed_people sp CROSS JOIN seed_courses c
	WHERE `+s.u("'optional'", "sp.g", "c.module_id")+` < 0.85
	  AND NOT EXISTS (SELECT 1 FROM seed_pairs x WHERE x.person_id = sp.id AND x.module_id = c.module_id)
), done AS (
	SELECT 0 AS rank, * FROM firsts
	UNION ALL SELECT 1, * FROM optional
	UNION ALL SELECT 2, * FROM seconds
	UNION ALL SELECT 3, * FROM thirds
)
SELECT person_id, g, module_id, least(at, ?::timestamptz - interval '1 hour') AS done_at, rank,
	row_number() OVER (ORDER BY rank, `+s.u("'keep'", "g", "module_id", "rank::text", "at::text")+`, person_id, module_id, at) AS n
FROM done
WHERE at > ?::timestamptz - `+year+` AND at > joined
ORDER BY n
LIMIT ?`, p.Now, p.Now, p.Now, p.Now, p.Completions); err != nil {
		return 0, err
	}
	if _, err := s.exec(ctx, "ANALYZE seed_done"); err != nil {
		return 0, err
	}
	// Attempts are numbered by person and time, and their ids (and their
	// completions' and certificates') begin with the number: written in
	// that order, every index on them grows at its end instead of at
	// random places (the rest of each id is a hash, so ids stay unique
	// across organisations).
	if _, err := s.exec(ctx, `CREATE TEMP TABLE seed_attempts ON COMMIT DROP AS
SELECT (lpad(to_hex(seq), 12, '0') || substr(md5(?::text || ':' || ?::text || ':attempt:' || seq), 13, 20))::uuid AS attempt_id, *
FROM (
	SELECT x.*, row_number() OVER (ORDER BY x.person_id, x.started_at, x.module_id) AS seq FROM (
		SELECT d.person_id, d.g, d.module_id, d.done_at - make_interval(mins => 20 + floor(`+s.u("'minutes'", "d.g", "d.module_id", "d.rank::text")+` * 100)::int) AS started_at, d.done_at
		FROM seed_done d
		UNION ALL
		SELECT x.person_id, x.g, x.module_id,
			greatest(x.joined + interval '1 hour', ?::timestamptz - make_interval(secs => floor(`+s.u("'started'", "x.g", "x.module_id")+` * 90 * 86400))), NULL
		FROM seed_pairs x WHERE `+s.u("'state'", "x.g", "x.module_id")+` BETWEEN 0.06 AND 0.12
	) x
) y`, org.String(), p.Seed, p.Now); err != nil {
		return 0, err
	}
	if _, err := s.exec(ctx, "ANALYZE seed_attempts"); err != nil {
		return 0, err
	}
	n, err := s.exec(ctx, `CREATE TEMP TABLE seed_outcomes ON COMMIT DROP AS
SELECT d.attempt_id, d.person_id, d.done_at, sc.ord, cardinality(c.scenarios) AS scenarios, sc.scenario_id,
	w.wheel[1 + floor(`+s.u("'ending'", "d.attempt_id::text", "sc.scenario_id")+` * 100)::int] AS outcome
FROM seed_attempts d
JOIN seed_courses c ON c.module_id = d.module_id
CROSS JOIN LATERAL unnest(c.scenarios) WITH ORDINALITY sc(scenario_id, ord)
JOIN seed_wheels w ON w.scenario_id = sc.scenario_id
WHERE d.done_at IS NOT NULL`)
	if err != nil {
		return 0, err
	}
	if _, err := s.exec(ctx, "CREATE INDEX ON seed_outcomes (attempt_id)"); err != nil {
		return 0, err
	}
	if _, err := s.exec(ctx, "ANALYZE seed_outcomes"); err != nil {
		return 0, err
	}
	var attempts int64
	err = s.db.NewRaw("SELECT count(*) FROM seed_attempts").Scan(ctx, &attempts)
	_ = n
	return attempts, err
}

// scenarioAttempts writes some completions' scenario play as the learning
// service does — the attempt at the start, then for each choice the new
// state and the choice row — a statement per choice number, so the
// analytics triggers count them as they count real play.
func (s seedSQL) scenarioAttempts(ctx context.Context) (int64, error) {
	org := s.o.id
	if _, err := s.exec(ctx, `CREATE TEMP TABLE seed_play ON COMMIT DROP AS
SELECT md5(o.attempt_id::text || ':' || o.scenario_id)::uuid AS id, o.attempt_id, o.person_id, o.scenario_id,
	pa.version, pa.steps, pa.states, pa.nodes, pa.choices, pa.outcome,
	o.done_at - make_interval(mins => 5 + pa.steps * 2) AS started_at, o.done_at - interval '3 minutes' AS finished_at
FROM seed_outcomes o
CROSS JOIN LATERAL (
	SELECT * FROM seed_paths pa WHERE pa.scenario_id = o.scenario_id AND pa.outcome = o.outcome
	ORDER BY pa.i OFFSET floor(`+s.u("'path'", "o.attempt_id::text", "o.scenario_id")+` *
		(SELECT count(*) FROM seed_paths q WHERE q.scenario_id = o.scenario_id AND q.outcome = o.outcome))::int LIMIT 1
) pa
WHERE `+s.u("'played'", "o.attempt_id::text")+` < ? AND o.ord = 1 + floor(`+s.u("'which'", "o.attempt_id::text")+` * o.scenarios)::int`,
		s.p.ScenarioShare); err != nil {
		return 0, err
	}
	if _, err := s.exec(ctx, "ANALYZE seed_play"); err != nil {
		return 0, err
	}
	n, err := s.exec(ctx, `INSERT INTO scenario_attempts (id, org_id, person_id, course_attempt_id, step_id, scenario_id, scenario_version, state, started_at, updated_at)
SELECT id, ?, person_id, attempt_id, 'scenario:' || scenario_id, scenario_id, version, states -> 0, started_at, started_at FROM seed_play`, org)
	if err != nil {
		return 0, err
	}
	var most int
	if err := s.db.NewRaw("SELECT coalesce(max(steps), 0) FROM seed_play").Scan(ctx, &most); err != nil {
		return 0, err
	}
	for k := 1; k <= most; k++ {
		if _, err := s.exec(ctx, `UPDATE scenario_attempts sa SET state = x.states -> ?, choices = ?,
	updated_at = x.started_at + make_interval(mins => ?),
	outcome = CASE WHEN x.steps = ? THEN x.outcome END, finished_at = CASE WHEN x.steps = ? THEN x.finished_at END
FROM seed_play x WHERE sa.id = x.id AND x.steps >= ?`, k, k, k, k, k, k); err != nil {
			return 0, err
		}
		if _, err := s.exec(ctx, `INSERT INTO scenario_choices (attempt_id, seq, org_id, person_id, node, choice, at)
SELECT id, ?, ?, person_id, nodes[?], choices[?], started_at + make_interval(mins => ?) FROM seed_play WHERE steps >= ?`,
			k, org, k, k, k, k); err != nil {
			return 0, err
		}
	}
	return n, nil
}
