package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Requirement is a course required of a team, of everyone with a job
// label, or of the people in the team with the label (migration
// 20261203110000_coverage).
type Requirement struct {
	bun.BaseModel `bun:"table:requirements,alias:rq"`

	ID       uuid.UUID  `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	OrgID    uuid.UUID  `bun:"org_id,type:uuid"`
	ModuleID string     `bun:"module_id"`
	TeamID   *uuid.UUID `bun:"team_id,type:uuid"`
	LabelID  *uuid.UUID `bun:"label_id,type:uuid"`
	// DueDays: due within this many days of joining the team or taking the
	// label (or of EffectiveFrom, for people there before).
	DueDays int `bun:"due_days"`
	// Refresher is RefresherModule, RefresherMonths or RefresherNever.
	Refresher       string     `bun:"refresher"`
	RefresherMonths *int       `bun:"refresher_months"`
	FirstDeadline   *time.Time `bun:"first_deadline"`
	Strict          bool       `bun:"strict"`
	// EffectiveFrom is when the requirement (or its last change) took
	// effect: nobody is due before EffectiveFrom + DueDays.
	EffectiveFrom time.Time `bun:"effective_from"`
	CreatedAt     time.Time `bun:"created_at"`
}

// How a requirement's completions are refreshed.
const (
	RefresherModule = "module" // as the module's refresher_months says
	RefresherMonths = "months" // every RefresherMonths months
	RefresherNever  = "never"
)

// Requirements lists the organisation's requirements, by course.
func (o *Org) Requirements(ctx context.Context) ([]Requirement, error) {
	// Every coverage page reads them: one statement prepared per
	// connection, its rows scanned without reflection.
	var rs []Requirement
	err := o.run(ctx, func(db bun.IDB) (err error) {
		rs, err = cachedList(ctx, db, `SELECT id, org_id, module_id, team_id, label_id, due_days, refresher, refresher_months,
	first_deadline, strict, effective_from, created_at
FROM requirements WHERE org_id = $1 ORDER BY module_id, created_at, id`, []any{o.id}, func(rows *sql.Rows, r *Requirement) error {
			return rows.Scan(&r.ID, &r.OrgID, &r.ModuleID, &r.TeamID, &r.LabelID, &r.DueDays, &r.Refresher, &r.RefresherMonths,
				&r.FirstDeadline, &r.Strict, &r.EffectiveFrom, &r.CreatedAt)
		})
		return err
	})
	return rs, wrap("list requirements", err)
}

// Requirement loads one requirement.
func (o *Org) Requirement(ctx context.Context, id uuid.UUID) (Requirement, error) {
	var r Requirement
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&r).Where("rq.org_id = ? AND rq.id = ?", o.id, id).Scan(ctx)
	})
	return r, wrap("load requirement", err)
}

// groupsExist is ErrNotFound unless the team and label (each if given)
// are the organisation's.
func (o *Org) groupsExist(ctx context.Context, db bun.IDB, team, label *uuid.UUID) error {
	for _, g := range []struct {
		k  GroupKind
		id *uuid.UUID
	}{{Teams, team}, {Labels, label}} {
		if g.id == nil {
			continue
		}
		n, err := db.NewSelect().TableExpr("?", bun.Ident(g.k.table)).Where("org_id = ? AND id = ?", o.id, *g.id).Count(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("no such %s: %w", g.k.Noun, ErrNotFound)
		}
	}
	return nil
}

// CreateRequirement adds a requirement. A team or label that is not the
// organisation's is ErrNotFound.
func (o *Org) CreateRequirement(ctx context.Context, r Requirement) (Requirement, error) {
	r.ID, r.OrgID = uuid.New(), o.id
	err := o.run(ctx, func(db bun.IDB) error {
		if err := o.groupsExist(ctx, db, r.TeamID, r.LabelID); err != nil {
			return err
		}
		_, err := db.NewInsert().Model(&r).Exec(ctx)
		return err
	})
	return r, wrap("create requirement", err)
}

// UpdateRequirement changes a requirement's terms (all but its id and
// creation).
func (o *Org) UpdateRequirement(ctx context.Context, r Requirement) error {
	return o.run(ctx, func(db bun.IDB) error {
		if err := o.groupsExist(ctx, db, r.TeamID, r.LabelID); err != nil {
			return wrap("update requirement", err)
		}
		res, err := db.NewUpdate().Model(&r).
			Column("module_id", "team_id", "label_id", "due_days", "refresher", "refresher_months", "first_deadline", "strict", "effective_from").
			Where("rq.org_id = ? AND rq.id = ?", o.id, r.ID).Exec(ctx)
		return affected("update requirement", res, err)
	})
}

// DeleteRequirement removes a requirement; completions are untouched.
func (o *Org) DeleteRequirement(ctx context.Context, id uuid.UUID) error {
	return o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewDelete().Model((*Requirement)(nil)).Where("rq.org_id = ? AND rq.id = ?", o.id, id).Exec(ctx)
		return affected("delete requirement", res, err)
	})
}

// SetManager makes a member of a team its manager, or not. ErrNotFound
// when the person is not in the team.
func (o *Org) SetManager(ctx context.Context, teamID, personID uuid.UUID, on bool) error {
	return o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Table("team_members").Set("is_manager = ?", on).
			Where("org_id = ? AND team_id = ? AND person_id = ?", o.id, teamID, personID).Exec(ctx)
		return affected("set manager", res, err)
	})
}

// ManagedTeams are the teams the person manages.
func (o *Org) ManagedTeams(ctx context.Context, personID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Table("team_members").Column("team_id").
			Where("org_id = ? AND person_id = ? AND is_manager", o.id, personID).Order("team_id").Scan(ctx, &ids)
	})
	return ids, wrap("list managed teams", err)
}

// TeamManagers are the managers of each of the organisation's teams that
// has any, by team.
func (o *Org) TeamManagers(ctx context.Context) (map[uuid.UUID][]uuid.UUID, error) {
	var rows []struct {
		TeamID   uuid.UUID `bun:"team_id"`
		PersonID uuid.UUID `bun:"person_id"`
	}
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Table("team_members").Column("team_id", "person_id").
			Where("org_id = ? AND is_manager", o.id).Scan(ctx, &rows)
	})
	out := map[uuid.UUID][]uuid.UUID{}
	for _, r := range rows {
		out[r.TeamID] = append(out[r.TeamID], r.PersonID)
	}
	return out, wrap("list team managers", err)
}

// SetCoverageSettings sets the due-soon window and the responder label
// (nil: none).
func (o *Org) SetCoverageSettings(ctx context.Context, dueSoonDays int, responderLabel *uuid.UUID) error {
	return o.run(ctx, func(db bun.IDB) error {
		if err := o.groupsExist(ctx, db, nil, responderLabel); err != nil {
			return wrap("set coverage settings", err)
		}
		res, err := db.NewUpdate().Table("organisations").Set("due_soon_days = ?", dueSoonDays).
			Set("responder_label_id = ?", responderLabel).Where("id = ?", o.id).Exec(ctx)
		return affected("set coverage settings", res, err)
	})
}

// CoverageQuery selects the duties coverage is computed over: one per
// active person per course required of them.
type CoverageQuery struct {
	Now time.Time
	// DueSoon is the organisation's due-soon window.
	DueSoon time.Duration
	// ModuleMonths is each course's own refresher period in months (0 or
	// absent: none), for requirements that refresh as the module says.
	ModuleMonths map[string]int
	// Teams limits the duties to people in these teams (and lists or
	// counts them under these teams only); nil means every team, and
	// people in none.
	Teams []uuid.UUID
	// NoTeam limits them to people in no team (with Teams nil).
	NoTeam bool
	// Label limits them to people with this label; Module to one course;
	// Person to one person; Status to one status.
	Label  *uuid.UUID
	Module string
	Person *uuid.UUID
	Status string
}

// Statuses, as coverage computes them (org.StatusOf is the same rule in Go).
const (
	StatusNotStarted = "not_started"
	StatusInProgress = "in_progress"
	StatusComplete   = "complete"
	StatusDueSoon    = "due_soon"
	StatusOverdue    = "overdue"
	StatusExpired    = "expired"
)

// The coverage roll-up (migration 20261203160000_coverage_rollup, and
// docs/benchmarks.md, "Coverage"): the database keeps every duty in
// coverage_duties and their counts per team × label × course × status in
// coverage_counts, worked out at an anchor moment, in the same transaction
// as each change that moves them. A reader takes the counts at the anchor
// and corrects them by the few duties whose status changed between the
// anchor and now; a reader more than anchorDrift from the anchor first
// moves it to now.
const anchorDrift = time.Hour

// The scope keys of coverage_counts besides teams and labels.
var (
	noTeamKey = uuid.Nil                                               // people in no team
	anyKey    = uuid.MustParse("ffffffff-ffff-ffff-ffff-ffffffffffff") // everyone, or any label
)

func soonInterval(d time.Duration) string { return fmt.Sprintf("%d seconds", int64(d/time.Second)) }

// anchor is the moment and due-soon window the counts are worked out at.
type anchor struct {
	At   time.Time
	Soon string // an interval
}

// prepare readies the roll-up for a read at q.Now in the transaction db
// and returns its anchor (nil: nothing counted yet). It records the
// courses' own refresher periods when the catalogue's differ from those
// the duties were worked out with (the database then works out the duties
// they change), and moves the anchor to q.Now when it is more than the
// allowed drift away or the due-soon window changed. It also turns off
// the JIT compiler for the transaction: compiling costs more than these
// short queries take, yet their estimates over a big organisation may
// cross its threshold. And it has the transaction's prepared statements
// (cachedRows) run by their generic plans: planning the counts for each
// call's values took as long as running them, for the same plan. (bun's
// statements, with their values in the text, are planned as before.)
func (o *Org) prepare(ctx context.Context, db bun.IDB, q CoverageQuery) (*anchor, error) {
	// A read in the same transaction a moment later (a page's several
	// reads each take the time) shares the anchor: the drift allowed is
	// for how much work a read corrects, not for what it counts.
	if p := o.prepared; o.tx != nil && p != nil && q.Now.Sub(p.now).Abs() < time.Minute && p.soon == q.DueSoon && maps.Equal(p.months, q.ModuleMonths) {
		return p.anchor, nil
	}
	a, err := o.prepareRead(ctx, db, q)
	if err == nil && o.tx != nil {
		o.prepared = &preparedRead{now: q.Now, soon: q.DueSoon, months: q.ModuleMonths, anchor: a}
	}
	return a, err
}

// preparedRead is a coverage read readied in a transaction.
type preparedRead struct {
	now    time.Time
	soon   time.Duration
	months map[string]int
	anchor *anchor
}

func (o *Org) prepareRead(ctx context.Context, db bun.IDB, q CoverageQuery) (*anchor, error) {
	var st struct {
		JIT      string
		Months   map[string]int
		At       *time.Time
		SoonSecs *float64
	}
	// A cached statement: every coverage read of a page starts here.
	rows, err := cachedList(ctx, db, `SELECT set_config('jit', 'off', true) || set_config('plan_cache_mode', 'force_generic_plan', true),
	coalesce((SELECT jsonb_object_agg(module_id, months) FROM coverage_modules WHERE org_id = $1), '{}')::text,
	a.at, extract(epoch FROM a.soon)::float8
FROM (SELECT 1) one LEFT JOIN coverage_anchor a ON a.org_id = $1`, []any{o.id}, func(rows *sql.Rows, m *[]byte) error {
		return rows.Scan(&st.JIT, m, &st.At, &st.SoonSecs)
	})
	if err != nil {
		return nil, wrap("ready coverage read", err)
	}
	if len(rows) != 1 {
		return nil, fmt.Errorf("store: readying a coverage read gave %d rows", len(rows))
	}
	if err := json.Unmarshal(rows[0], &st.Months); err != nil {
		return nil, fmt.Errorf("store: the courses' refresher periods: %w", err)
	}
	want := map[string]int{}
	for m, n := range q.ModuleMonths {
		if n > 0 {
			want[m] = n
		}
	}
	if !maps.Equal(want, st.Months) {
		months, _ := json.Marshal(want)
		if _, err := db.NewRaw(`WITH want AS (
	SELECT key AS module_id, value::int AS months FROM jsonb_each_text(?::jsonb)
), gone AS (
	DELETE FROM coverage_modules cm WHERE cm.org_id = ? AND NOT EXISTS (SELECT 1 FROM want w WHERE w.module_id = cm.module_id)
)
INSERT INTO coverage_modules AS cm (org_id, module_id, months) SELECT ?, module_id, months FROM want
ON CONFLICT (org_id, module_id) DO UPDATE SET months = EXCLUDED.months WHERE cm.months <> EXCLUDED.months`,
			string(months), o.id, o.id).Exec(ctx); err != nil {
			return nil, err
		}
	}
	if st.At == nil {
		return nil, nil // nothing counted yet
	}
	a := &anchor{At: *st.At, Soon: fmt.Sprintf("%d seconds", int64(*st.SoonSecs))}
	drift, limit := q.Now.Sub(a.At), o.s.anchorDrift
	if drift < 0 {
		drift = -drift
	}
	if limit == 0 {
		limit = anchorDrift
	}
	if drift > limit || a.Soon != soonInterval(q.DueSoon) {
		var moved bool
		if err := db.NewRaw("SELECT coverage_try_reanchor(?, ?, ?::interval)", o.id, q.Now, soonInterval(q.DueSoon)).Scan(ctx, &moved); err != nil {
			return nil, err
		}
		if moved {
			a = &anchor{At: q.Now, Soon: soonInterval(q.DueSoon)}
		}
	}
	return a, nil
}

// CountScope names the counts Coverage returns: those of some teams, of
// the people in no team, and of everyone (each person once).
type CountScope struct {
	Teams    []uuid.UUID
	NoTeam   bool
	Everyone bool
}

// countStatuses are the statuses in the order of countsQuery's columns.
var countStatuses = [...]string{StatusNotStarted, StatusInProgress, StatusComplete, StatusDueSoon, StatusOverdue, StatusExpired}

// countsQuery is Coverage's read: $1 the organisation, $2 the scope keys,
// $3 the label (or anyKey), $4 and $5 the anchor and its due-soon window,
// $6 and $7 now and its window, $8 a course or the empty string.
var countsQuery = func() string {
	var cols strings.Builder
	for _, st := range countStatuses {
		fmt.Fprintf(&cols, "\tcoalesce(sum(n) FILTER (WHERE status = '%s'), 0)::int,\n", st)
	}
	return `SELECT team_id, module_id,
` + cols.String() + `	(SELECT at FROM coverage_anchor WHERE org_id = $1) AS anchor_at
FROM (
	SELECT c.team_id, c.module_id, c.status, c.people AS n FROM coverage_counts c
	WHERE c.org_id = $1 AND c.team_id = ANY($2::uuid[]) AND c.label_id = $3 AND c.module_id <> '' AND c.status <> ''
		AND ($8 = '' OR c.module_id = $8)
	UNION ALL
	SELECT s.team_id, m.module_id, x.status, x.n
	FROM coverage_moved($1, $4::timestamptz, $5::interval, $6::timestamptz, $7::interval) m
	JOIN coverage_people cp ON cp.org_id = $1 AND cp.person_id = m.person_id
	CROSS JOIN LATERAL coverage_scopes(cp.teams, cp.labels) s
	CROSS JOIN LATERAL (VALUES (m.was, -1), (m.becomes, 1)) x(status, n)
	WHERE s.team_id = ANY($2::uuid[]) AND s.label_id = $3 AND ($8 = '' OR m.module_id = $8)
) counts
GROUP BY team_id, module_id`
}()

// StatusCounts are how many people are in each status, in the order of
// countStatuses.
type StatusCounts [len(countStatuses)]int

// statusIndex is a status's place in StatusCounts (-1: not a status).
func statusIndex(st string) int {
	switch st {
	case StatusNotStarted:
		return 0
	case StatusInProgress:
		return 1
	case StatusComplete:
		return 2
	case StatusDueSoon:
		return 3
	case StatusOverdue:
		return 4
	case StatusExpired:
		return 5
	}
	return -1
}

// Of is how many people are in status st (0 for what is not a status).
func (c StatusCounts) Of(st string) int {
	if i := statusIndex(st); i >= 0 {
		return c[i]
	}
	return 0
}

// Add counts n more people in status st (nothing for what is not a
// status).
func (c *StatusCounts) Add(st string, n int) {
	if i := statusIndex(st); i >= 0 {
		c[i] += n
	}
}

// All is each status with its count.
func (c StatusCounts) All() iter.Seq2[string, int] {
	return func(yield func(string, int) bool) {
		for i, st := range countStatuses {
			if !yield(st, c[i]) {
				return
			}
		}
	}
}

// CoverageCount is how many people of a team are in each status of one
// course. TeamID is nil for people in no team; Everyone marks the counts
// of everyone in the organisation (with the label), each person once.
type CoverageCount struct {
	TeamID   *uuid.UUID
	Everyone bool
	Key      uuid.UUID
	ModuleID string
	Counts   StatusCounts
	People   int // in every status
}

// Coverage counts the duties of q (its label, course and status; not its
// teams or person) by team and course, a count per status, for the
// teams and groups in s. It reads the counts kept at the anchor and
// corrects them by the duties whose status moved since: a few hundred
// rows, however many people there are.
func (o *Org) Coverage(ctx context.Context, q CoverageQuery, s CountScope) ([]CoverageCount, error) {
	keys := slices.Clone(s.Teams)
	if s.NoTeam {
		keys = append(keys, noTeamKey)
	}
	if s.Everyone {
		keys = append(keys, anyKey)
	}
	label := anyKey
	if q.Label != nil {
		label = *q.Label
	}
	var out []CoverageCount
	if len(keys) == 0 {
		return out, nil
	}
	// The counts at the anchor, and the duties whose status moved
	// between the anchor and now, taken from and added to them: one row
	// per team and course, a column per status. The anchor is read again
	// in the same snapshot as the counts: had another reader moved it in
	// between, the read is made again. The text never changes, so each
	// connection prepares it once (cachedRows).
	teams := uuidArray(keys)
	read := func(db bun.IDB) (bool, error) {
		a, err := o.prepare(ctx, db, q)
		if err != nil || a == nil {
			return true, err
		}
		rows, err := cachedRows(ctx, db, countsQuery, o.id, teams, label, a.At, a.Soon, q.Now, soonInterval(q.DueSoon), q.Module)
		if err != nil {
			return false, err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			var (
				c        CoverageCount
				n        = &c.Counts
				anchorAt time.Time
			)
			if err := rows.Scan(&c.Key, &c.ModuleID, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &anchorAt); err != nil {
				return false, err
			}
			if !anchorAt.Equal(a.At) {
				o.prepared = nil
				return false, rows.Close()
			}
			if q.Status != "" { // that status only
				k := c.Counts.Of(q.Status)
				c.Counts = StatusCounts{}
				c.Counts.Add(q.Status, k)
			}
			for _, k := range c.Counts {
				c.People += k
			}
			if c.People > 0 {
				out = append(out, c)
			}
		}
		return true, rows.Err()
	}
	err := o.run(ctx, func(db bun.IDB) error {
		for {
			done, err := read(db)
			if done || err != nil {
				return err
			}
		}
	})
	for i := range out {
		switch k := out[i].Key; k {
		case anyKey:
			out[i].Everyone = true
		case noTeamKey:
		default:
			out[i].TeamID = &out[i].Key // not a copy each: thousands of rows
		}
	}
	return out, wrap("count coverage", err)
}

// CoverageTeams are the teams with anyone to count under q's label and
// course, and whether anyone in no team is: the dashboard's rows.
func (o *Org) CoverageTeams(ctx context.Context, q CoverageQuery) (teams []uuid.UUID, noTeam bool, err error) {
	label := anyKey
	if q.Label != nil {
		label = *q.Label
	}
	keys, err := coverageList(ctx, o, q, `SELECT team_id FROM coverage_counts
WHERE org_id = $1 AND label_id = $2 AND module_id = $3 AND status = '' AND people > 0`, []any{o.id, label, q.Module},
		func(rows *sql.Rows, k *uuid.UUID) error { return rows.Scan(k) })
	for _, k := range keys {
		switch k {
		case anyKey:
		case noTeamKey:
			noTeam = true
		default:
			teams = append(teams, k)
		}
	}
	return teams, noTeam, wrap("list coverage teams", err)
}

// Duty is one person's standing in one course required of them.
type Duty struct {
	PersonID uuid.UUID `bun:"person_id"`
	Name     string    `bun:"name"`
	ModuleID string    `bun:"module_id"`
	// TeamID is the team the row is counted under (nil: in no team).
	TeamID *uuid.UUID `bun:"team_id"`
	DueAt  time.Time  `bun:"due_at"`
	// JoinedAt is when the course became required of the person: the
	// earliest of their joining the teams and taking the labels the
	// requirements name (the later of the two, for a requirement naming
	// both).
	JoinedAt  time.Time  `bun:"joined_at"`
	Months    *int       `bun:"months"` // refresher period; nil: never
	Strict    bool       `bun:"strict"`
	StartedAt *time.Time `bun:"started_at"`
	DoneAt    *time.Time `bun:"done_at"`    // the latest completion that counts
	ExpiresAt *time.Time `bun:"expires_at"` // DoneAt + Months
	Status    string     `bun:"status"`
}

// Duties lists the selected duties, by name, at most limit of them (0:
// all): a person in two teams under each (of q.Teams, when given).
func (o *Org) Duties(ctx context.Context, q CoverageQuery, limit int) ([]Duty, error) {
	return o.DutyList(ctx, q, DutyList{Limit: limit})
}

// Completions lists the duties of people (each once per course, by
// person and course) with what they have completed: PersonID, ModuleID,
// DoneAt and ExpiresAt only. For the few responders the roster lists
// with what they lack.
func (o *Org) Completions(ctx context.Context, q CoverageQuery, people []uuid.UUID) ([]Duty, error) {
	if len(people) == 0 {
		return nil, nil
	}
	out, err := coverageList(ctx, o, q, `SELECT person_id, module_id, done_at, CASE WHEN class = 'e' THEN key_at END
FROM coverage_duties WHERE org_id = $1 AND person_id = ANY($2::uuid[]) ORDER BY person_id, module_id`, []any{o.id, uuidArray(people)},
		func(rows *sql.Rows, d *Duty) error {
			return rows.Scan(&d.PersonID, &d.ModuleID, &d.DoneAt, &d.ExpiresAt)
		})
	return out, wrap("list completions", err)
}

// DutyList says which part of a list of duties to read, in which order.
type DutyList struct {
	// Limit and Offset page through the list (Limit 0: all).
	Limit, Offset int
	// ByDate orders the duties by the date their status turns on — the
	// longest overdue or expired first, the soonest due first; people
	// due at the same moment in no particular order — instead of by
	// name; Once lists each person's duty once, under no team, when the
	// query names no teams.
	ByDate, Once bool
	// Statuses, when q names no status, lists the duties in any of these
	// statuses (none: any status): a team's overdue and due-soon people
	// in one read of its duties.
	Statuses []string
}

// DutyList lists the duties q selects as l says. A status, course and
// page narrow the rows read: with ByDate and a status, the first rows
// of a list of thousands come from an index in order.
func (o *Org) DutyList(ctx context.Context, q CoverageQuery, l DutyList) ([]Duty, error) {
	var out []Duty
	err := o.streamDuties(ctx, q, l, func(d Duty) error {
		out = append(out, d)
		return nil
	})
	return out, wrap("list duties", err)
}

// streamDuties hands fn the duties q selects as l says, as it reads them.
// The statement is planned for its values each time: which index serves
// a list depends on them (a generic plan, one for every value, read the
// whole organisation's duties for a list of 20).
func (o *Org) streamDuties(ctx context.Context, q CoverageQuery, l DutyList, fn func(Duty) error) error {
	query, args := o.dutiesSQL(q, l)
	return o.run(ctx, func(db bun.IDB) error {
		if _, err := o.prepare(ctx, db, q); err != nil {
			return err
		}
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d Duty
			if err := rows.Scan(&d.PersonID, &d.Name, &d.ModuleID, &d.TeamID, &d.DueAt, &d.JoinedAt, &d.Months, &d.Strict,
				&d.StartedAt, &d.DoneAt, &d.ExpiresAt, &d.Status); err != nil {
				return err
			}
			if err := fn(d); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// statusRange is the condition on a duty's class and key date that its
// status at now (with the window soon) is status, in a form an index on
// the key date serves.
var statusRange = map[string]string{
	StatusComplete:   "(d.class = 'c' OR (d.class = 'e' AND d.key_at > ?::timestamptz + ?::interval))",
	StatusDueSoon:    "(d.class IN ('e', 's', 'n') AND d.key_at > ?::timestamptz AND d.key_at <= ?::timestamptz + ?::interval)",
	StatusOverdue:    "(d.class IN ('s', 'n') AND d.key_at <= ?::timestamptz)",
	StatusExpired:    "(d.class = 'e' AND d.key_at <= ?::timestamptz)",
	StatusInProgress: "(d.class = 's' AND d.key_at > ?::timestamptz + ?::interval)",
	StatusNotStarted: "(d.class = 'n' AND d.key_at > ?::timestamptz + ?::interval)",
}

// dueByWindow are the statuses whose duties all have a key date no later
// than the due-soon window's end.
var dueByWindow = map[string]bool{StatusDueSoon: true, StatusOverdue: true, StatusExpired: true}

// dutiesSQL is the query of DutyList with its arguments. The duties are
// chosen first (by course, person, team, label and status); by date, the
// page of them too, from the key date's index in order; only then are
// their people's names read.
func (o *Org) dutiesSQL(q CoverageQuery, l DutyList) (string, []any) {
	soon := soonInterval(q.DueSoon)
	var args []any
	team, join := "ct.team_id", " LEFT JOIN team_members ct ON ct.org_id = d.org_id AND ct.person_id = d.person_id"
	switch {
	case q.Teams != nil:
		join = " JOIN team_members ct ON ct.org_id = d.org_id AND ct.person_id = d.person_id AND ct.team_id = ANY(?::uuid[])"
		args = append(args, pgdialect.Array(q.Teams))
	case l.Once && !q.NoTeam:
		team, join = "NULL::uuid", ""
	}
	where := []string{"d.org_id = ?"}
	args = append(args, o.id)
	if q.Module != "" {
		where = append(where, "d.module_id = ?")
		args = append(args, q.Module)
	}
	if q.Person != nil {
		where = append(where, "d.person_id = ?")
		args = append(args, *q.Person)
	}
	if q.NoTeam && q.Teams == nil {
		where = append(where, "ct.person_id IS NULL")
	}
	if q.Label != nil {
		where = append(where, "EXISTS (SELECT 1 FROM person_labels fl WHERE fl.org_id = d.org_id AND fl.person_id = d.person_id AND fl.label_id = ?)")
		args = append(args, *q.Label)
	}
	// A status's condition: its placeholders are the moments, then the
	// window.
	status := func(st string) string {
		r, ok := statusRange[st]
		if !ok {
			return "false"
		}
		for range strings.Count(r, "?::timestamptz") {
			args = append(args, q.Now)
		}
		if strings.Contains(r, "?::interval") {
			args = append(args, soon)
		}
		return r
	}
	statuses := l.Statuses
	if q.Status != "" {
		statuses = []string{q.Status}
	}
	switch {
	case q.Status != "":
		where = append(where, status(q.Status))
	case len(l.Statuses) > 0:
		var either []string
		for _, st := range l.Statuses {
			either = append(either, status(st))
		}
		where = append(where, "("+strings.Join(either, " OR ")+")")
	}
	if len(statuses) > 0 && !slices.ContainsFunc(statuses, func(st string) bool { return !dueByWindow[st] }) {
		// Said again on its own, for the index of a person's duties by
		// key date (coverage_duties_person_key) to take.
		where = append(where, "d.key_at <= ?::timestamptz + ?::interval")
		args = append(args, q.Now, soon)
	}
	page := ""
	if l.Limit > 0 {
		page = fmt.Sprintf(" LIMIT %d", l.Limit)
	}
	if l.Offset > 0 {
		page += fmt.Sprintf(" OFFSET %d", l.Offset)
	}
	inner, outer := "", " ORDER BY lower(p.name), d.person_id, d.module_id, d.team_id"+page
	if l.ByDate {
		inner, outer = " ORDER BY d.key_at, d.person_id, d.module_id, "+team+page, " ORDER BY d.key_at, d.person_id, d.module_id, d.team_id"
	}
	args = append(args, q.Now, soon)
	return `SELECT d.person_id, p.name, d.module_id, d.team_id, d.due_at, d.joined_at, d.months, d.strict, d.started_at, d.done_at,
	CASE WHEN d.class = 'e' THEN d.key_at END AS expires_at,
	coverage_status(d.class, d.key_at, ?::timestamptz, ?::interval) AS status
FROM (
	SELECT d.*, ` + team + ` AS team_id FROM coverage_duties d` + join + `
	WHERE ` + strings.Join(where, " AND ") + inner + `
) d
JOIN people p ON p.org_id = d.org_id AND p.id = d.person_id` + outer, append(args[len(args)-2:len(args):len(args)], args[:len(args)-2]...)
}

// CoverageCheck works the organisation's duties, the scopes people are
// counted under, the counts and the responder roster out again from scratch — from the
// requirements, memberships and progress, with the courses' refresher
// periods in q.ModuleMonths — and describes every difference from what
// the database keeps (at most 20). Nothing is a difference the roll-up's
// own tests accept; an operator may run it too.
func (o *Org) CoverageCheck(ctx context.Context, q CoverageQuery) ([]string, error) {
	months, _ := json.Marshal(q.ModuleMonths)
	if q.ModuleMonths == nil {
		months = []byte("{}")
	}
	var out []string
	err := o.run(ctx, func(db bun.IDB) error {
		if _, err := o.prepare(ctx, db, q); err != nil {
			return err
		}
		return db.NewRaw(`WITH terms AS (
	SELECT m.person_id, r.module_id,
		min(greatest(coalesce(r.first_deadline, r.effective_from + make_interval(secs => r.due_days * 86400)),
			m.joined_at + make_interval(secs => r.due_days * 86400))) AS due_at,
		min(CASE r.refresher WHEN 'months' THEN r.refresher_months
			WHEN 'module' THEN nullif((?::jsonb ->> r.module_id)::int, 0) END) AS months,
		bool_or(r.strict) AS strict,
		min(m.joined_at) AS joined_at
	FROM requirements r
	CROSS JOIN LATERAL (
		SELECT tm.person_id, tm.joined_at FROM team_members tm
		WHERE r.label_id IS NULL AND tm.org_id = r.org_id AND tm.team_id = r.team_id
		UNION ALL
		SELECT pl.person_id, pl.joined_at FROM person_labels pl
		WHERE r.team_id IS NULL AND pl.org_id = r.org_id AND pl.label_id = r.label_id
		UNION ALL
		SELECT tm.person_id, greatest(tm.joined_at, pl.joined_at) FROM team_members tm
		JOIN person_labels pl ON pl.org_id = tm.org_id AND pl.person_id = tm.person_id AND pl.label_id = r.label_id
		WHERE r.team_id IS NOT NULL AND r.label_id IS NOT NULL AND tm.org_id = r.org_id AND tm.team_id = r.team_id
	) m
	WHERE r.org_id = ?
	GROUP BY m.person_id, r.module_id
), want AS (
	SELECT t.person_id, t.module_id, t.due_at, t.joined_at, t.months, t.strict, lc.started_at,
		CASE WHEN t.strict THEN lc.strict_completed_at ELSE lc.completed_at END AS done_at
	FROM terms t
	JOIN people p ON p.org_id = ? AND p.id = t.person_id AND p.active
	LEFT JOIN learner_courses lc ON lc.org_id = p.org_id AND lc.person_id = t.person_id AND lc.module_id = t.module_id
), kept AS (
	SELECT person_id, module_id, due_at, joined_at, months, strict, started_at, done_at FROM coverage_duties WHERE org_id = ?
), scopes AS (
	SELECT p.id AS person_id, coalesce(t.ids, '{}') AS teams, coalesce(l.ids, '{}') AS labels
	FROM people p
	LEFT JOIN (SELECT person_id, array_agg(team_id ORDER BY team_id) AS ids FROM team_members GROUP BY person_id) t ON t.person_id = p.id
	LEFT JOIN (SELECT person_id, array_agg(label_id ORDER BY label_id) AS ids FROM person_labels GROUP BY person_id) l ON l.person_id = p.id
	WHERE p.org_id = ? AND p.active
), counted AS (
	SELECT s.team_id, s.label_id, coalesce(d.module_id, '') AS module_id, coalesce(coverage_status(d.class, d.key_at, a.at, a.soon), '') AS status, count(*)::int AS people
	FROM coverage_duties d
	JOIN coverage_anchor a ON a.org_id = d.org_id
	JOIN scopes sc ON sc.person_id = d.person_id
	CROSS JOIN LATERAL coverage_scopes(sc.teams, sc.labels) s
	WHERE d.org_id = ?
	GROUP BY GROUPING SETS ((s.team_id, s.label_id, d.module_id, coverage_status(d.class, d.key_at, a.at, a.soon)), (s.team_id, s.label_id, d.module_id), (s.team_id, s.label_id))
), stored AS (
	SELECT team_id, label_id, module_id, status, people FROM coverage_counts WHERE org_id = ? AND people <> 0
)
SELECT problem FROM (
	(SELECT 'duty missing or different: ' || row(w.*)::text AS problem FROM (SELECT * FROM want EXCEPT SELECT * FROM kept) w LIMIT 20)
	UNION ALL
	(SELECT 'duty that should not be, or is different: ' || row(k.*)::text FROM (SELECT * FROM kept EXCEPT SELECT * FROM want) k LIMIT 20)
	UNION ALL
	(SELECT 'scopes missing or different: ' || row(s.*)::text FROM (
		SELECT * FROM scopes WHERE cardinality(teams) > 0 OR cardinality(labels) > 0
		EXCEPT SELECT person_id, teams, labels FROM coverage_people WHERE org_id = ?) s LIMIT 20)
	UNION ALL
	(SELECT 'scopes that should not be: ' || row(s.*)::text FROM (
		SELECT person_id, teams, labels FROM coverage_people WHERE org_id = ?
		EXCEPT SELECT * FROM scopes WHERE cardinality(teams) > 0 OR cardinality(labels) > 0) s LIMIT 20)
	UNION ALL
	(SELECT 'count missing or different: ' || row(c.*)::text FROM (SELECT * FROM counted EXCEPT SELECT * FROM stored) c LIMIT 20)
	UNION ALL
	(SELECT 'count that should not be: ' || row(c.*)::text FROM (SELECT * FROM stored EXCEPT SELECT * FROM counted) c LIMIT 20)
	UNION ALL
	(SELECT 'roster row missing or different: ' || row(r.*)::text FROM (
		SELECT * FROM coverage_roster_rows(?, NULL)
		EXCEPT SELECT team_id, person_id, name, complete, until, until_module FROM coverage_roster WHERE org_id = ?) r LIMIT 20)
	UNION ALL
	(SELECT 'roster row that should not be: ' || row(r.*)::text FROM (
		SELECT team_id, person_id, name, complete, until, until_module FROM coverage_roster WHERE org_id = ?
		EXCEPT SELECT * FROM coverage_roster_rows(?, NULL)) r LIMIT 20)
) x LIMIT 20`, string(months), o.id, o.id, o.id, o.id, o.id, o.id, o.id, o.id, o.id, o.id, o.id, o.id).Scan(ctx, &out)
	})
	return out, wrap("check coverage", err)
}

// TeamMember is one person in a team, for the team's page.
type TeamMember struct {
	PersonID  uuid.UUID `bun:"person_id"`
	Name      string    `bun:"name"`
	Email     string    `bun:"email"`
	Active    bool      `bun:"active"`
	IsManager bool      `bun:"is_manager"`
	JoinedAt  time.Time `bun:"joined_at"`
}

// TeamMembers lists a team's people by name, deactivated ones included.
func (o *Org) TeamMembers(ctx context.Context, teamID uuid.UUID) ([]TeamMember, error) {
	var out []TeamMember
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().TableExpr("team_members AS tm").
			Join("JOIN people AS p ON p.org_id = tm.org_id AND p.id = tm.person_id").
			ColumnExpr("tm.person_id, p.name, p.email, p.active, tm.is_manager, tm.joined_at").
			Where("tm.org_id = ? AND tm.team_id = ?", o.id, teamID).
			OrderExpr("lower(p.name), p.id").Scan(ctx, &out)
	})
	return out, wrap("list team members", err)
}

// LabelsInTeams lists the job labels held by someone active in one of
// the teams, by name: what a team manager may filter their teams by.
func (o *Org) LabelsInTeams(ctx context.Context, teams []uuid.UUID) ([]Group, error) {
	var gs []Group
	if len(teams) == 0 {
		return gs, nil
	}
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().TableExpr("labels AS g").ColumnExpr("g.id, g.org_id, g.name, g.created_at").
			Where("g.org_id = ?", o.id).
			Where(`EXISTS (SELECT 1 FROM person_labels pl
				JOIN team_members tm ON tm.org_id = pl.org_id AND tm.person_id = pl.person_id AND tm.team_id = ANY(?)
				JOIN people p ON p.org_id = pl.org_id AND p.id = pl.person_id AND p.active
				WHERE pl.org_id = g.org_id AND pl.label_id = g.id)`, pgdialect.Array(teams)).
			OrderExpr("lower(g.name), g.id").Scan(ctx, &gs)
	})
	return gs, wrap("list labels in teams", err)
}

// CoverageViewer is what decides what someone sees of the organisation's
// coverage, read in one statement: the organisation, and whether the
// person is one of its active people, an org admin, and which teams they
// manage.
type CoverageViewer struct {
	Org Organisation
	// Found: the person is one of the organisation's people.
	Found, Active, IsOrgAdmin bool
	// Manages are the teams they manage, by id.
	Manages []uuid.UUID
}

// CoverageViewer reads the organisation and, for personID (uuid.Nil: no
// one), their standing.
func (o *Org) CoverageViewer(ctx context.Context, personID uuid.UUID) (CoverageViewer, error) {
	var row struct {
		Organisation
		Found      bool        `bun:"viewer_found"`
		Active     bool        `bun:"viewer_active"`
		IsOrgAdmin bool        `bun:"viewer_admin"`
		Manages    []uuid.UUID `bun:"viewer_manages,array"`
	}
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewRaw(`SELECT og.*, p.id IS NOT NULL AS viewer_found,
	coalesce(p.active, false) AS viewer_active, coalesce(p.is_org_admin, false) AS viewer_admin,
	coalesce((SELECT array_agg(tm.team_id ORDER BY tm.team_id) FROM team_members tm
		WHERE tm.org_id = og.id AND tm.person_id = ? AND tm.is_manager), '{}') AS viewer_manages
FROM organisations og
LEFT JOIN people p ON p.org_id = og.id AND p.id = ?
WHERE og.id = ?`, personID, personID, o.id).Scan(ctx, &row)
	})
	if err != nil {
		return CoverageViewer{}, wrap("load coverage viewer", err)
	}
	return CoverageViewer{Org: row.Organisation, Found: row.Found, Active: row.Active, IsOrgAdmin: row.IsOrgAdmin, Manages: row.Manages}, nil
}
