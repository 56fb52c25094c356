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
	var rs []Requirement
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&rs).Where("rq.org_id = ?", o.id).Order("rq.module_id", "rq.created_at", "rq.id").Scan(ctx)
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
	// Teams limits the duties to people in these teams (and counts them
	// under these teams only); nil means every team, and people in none.
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

// duties is the SQL of every duty the query selects, with its terms, the
// person's progress and the status, with the arguments for it.
func (o *Org) duties(q CoverageQuery) (string, []any) {
	months, _ := json.Marshal(q.ModuleMonths)
	if q.ModuleMonths == nil {
		months = []byte("{}")
	}
	soon := fmt.Sprintf("%d seconds", int64(q.DueSoon/time.Second))
	var where []string
	var filterArgs []any
	if q.Module != "" {
		where = append(where, "t.module_id = ?")
		filterArgs = append(filterArgs, q.Module)
	}
	if q.Person != nil {
		where = append(where, "t.person_id = ?")
		filterArgs = append(filterArgs, *q.Person)
	}
	if q.Label != nil {
		where = append(where, "EXISTS (SELECT 1 FROM person_labels fl WHERE fl.org_id = p.org_id AND fl.person_id = p.id AND fl.label_id = ?)")
		filterArgs = append(filterArgs, *q.Label)
	}
	filter := ""
	if len(where) > 0 {
		filter = " AND " + strings.Join(where, " AND ")
	}
	// terms: for each person and required course, the strictest terms of
	// the requirements that apply (earliest due date, shortest refresher,
	// strict if any is).
	sql := `WITH terms AS (
	SELECT m.person_id, r.module_id,
		min(greatest(coalesce(r.first_deadline, r.effective_from + make_interval(days => r.due_days)),
			m.joined_at + make_interval(days => r.due_days))) AS due_at,
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
), duties AS (
	SELECT t.person_id, p.name, t.module_id, t.due_at, t.months, t.strict, t.joined_at, lc.started_at,
		CASE WHEN t.strict THEN lc.strict_completed_at ELSE lc.completed_at END AS done_at
	FROM terms t
	JOIN people p ON p.org_id = ? AND p.id = t.person_id AND p.active
	LEFT JOIN learner_courses lc ON lc.org_id = ? AND lc.person_id = t.person_id AND lc.module_id = t.module_id
	WHERE true` + filter + `
), statuses AS (
	SELECT d.*, d.done_at + make_interval(months => d.months) AS expires_at,
		CASE
			WHEN d.done_at IS NOT NULL AND d.months IS NOT NULL AND d.done_at + make_interval(months => d.months) <= ?::timestamptz THEN 'expired'
			WHEN d.done_at IS NOT NULL AND d.months IS NOT NULL AND d.done_at + make_interval(months => d.months) <= ?::timestamptz + '` + soon + `'::interval THEN 'due_soon'
			WHEN d.done_at IS NOT NULL THEN 'complete'
			WHEN d.due_at <= ?::timestamptz THEN 'overdue'
			WHEN d.due_at <= ?::timestamptz + '` + soon + `'::interval THEN 'due_soon'
			WHEN d.started_at IS NOT NULL THEN 'in_progress'
			ELSE 'not_started'
		END AS status
	FROM duties d
)`
	// The arguments in the order the placeholders appear: the terms'
	// (module months, organisation), the duties' (organisation twice,
	// then the filters), the statuses' four clocks.
	args := append([]any{string(months), o.id, o.id, o.id}, filterArgs...)
	return sql, append(args, q.Now, q.Now, q.Now, q.Now)
}

// teamJoin is the SQL that pairs each duty with the teams it is counted
// under (a person in two teams counts in both; in none, under no team),
// limited to q.Teams when given, or to people in no team with q.NoTeam,
// then to q.Status, with its arguments.
func (o *Org) teamJoin(q CoverageQuery) (string, []any) {
	var join string
	var args []any
	var where []string
	switch {
	case q.Teams != nil:
		join, args = `JOIN team_members ct ON ct.org_id = ? AND ct.person_id = s.person_id AND ct.team_id = ANY(?)`,
			[]any{o.id, pgdialect.Array(q.Teams)}
	default:
		join, args = `LEFT JOIN team_members ct ON ct.org_id = ? AND ct.person_id = s.person_id`, []any{o.id}
		if q.NoTeam {
			where = append(where, "ct.person_id IS NULL")
		}
	}
	if q.Status != "" {
		where = append(where, "s.status = ?")
		args = append(args, q.Status)
	}
	if len(where) > 0 {
		join += " WHERE " + strings.Join(where, " AND ")
	}
	return join, args
}

// CoverageCount is how many people of a team have one status in one
// course. TeamID is nil for people in no team.
type CoverageCount struct {
	TeamID   *uuid.UUID `bun:"team_id"`
	ModuleID string     `bun:"module_id"`
	Status   string     `bun:"status"`
	People   int        `bun:"people"`
}

// Coverage counts the selected duties by team, course and status.
func (o *Org) Coverage(ctx context.Context, q CoverageQuery) ([]CoverageCount, error) {
	cte, args := o.duties(q)
	join, jargs := o.teamJoin(q)
	var out []CoverageCount
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewRaw(cte+`
SELECT ct.team_id, s.module_id, s.status, count(*) AS people FROM statuses s `+join+`
GROUP BY ct.team_id, s.module_id, s.status ORDER BY ct.team_id, s.module_id, s.status`, append(args, jargs...)...).Scan(ctx, &out)
	})
	return out, wrap("count coverage", err)
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
// all). With q.Teams nil, a person in two teams is listed under each.
func (o *Org) Duties(ctx context.Context, q CoverageQuery, limit int) ([]Duty, error) {
	cte, args := o.duties(q)
	join, jargs := o.teamJoin(q)
	lim := ""
	if limit > 0 {
		lim = fmt.Sprintf(" LIMIT %d", limit)
	}
	var out []Duty
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewRaw(cte+`
SELECT s.person_id, s.name, s.module_id, ct.team_id, s.due_at, s.joined_at, s.months, s.strict, s.started_at, s.done_at, s.expires_at, s.status
FROM statuses s `+join+`
ORDER BY lower(s.name), s.person_id, s.module_id, ct.team_id`+lim, append(args, jargs...)...).Scan(ctx, &out)
	})
	return out, wrap("list duties", err)
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
