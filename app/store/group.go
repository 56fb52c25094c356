package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// GroupKind is one of the two ways an organisation groups its people: teams
// (where people work) and job labels ("line manager", "responder", ...)
// that training requirements target. Both have the same shape, so one set
// of queries serves both.
type GroupKind struct {
	table, members, column string
	// namesQuery is GroupNames' statement.
	namesQuery string
	// Noun is the singular word for messages ("team", "label").
	Noun string
}

var (
	// Teams are the organisation's teams.
	Teams = GroupKind{table: "teams", members: "team_members", column: "team_id", Noun: "team",
		namesQuery: "SELECT id, org_id, name, created_at FROM teams WHERE org_id = $1"}
	// Labels are the organisation's job labels.
	Labels = GroupKind{table: "labels", members: "person_labels", column: "label_id", Noun: "label",
		namesQuery: "SELECT id, org_id, name, created_at FROM labels WHERE org_id = $1"}
)

// Group is a team or a job label.
type Group struct {
	ID        uuid.UUID `bun:"id"`
	OrgID     uuid.UUID `bun:"org_id"`
	Name      string    `bun:"name"`
	CreatedAt time.Time `bun:"created_at"`
	// Members counts the active people in it (filled by Groups).
	Members int `bun:"members"`
}

// Groups lists the organisation's teams or labels by name.
func (o *Org) Groups(ctx context.Context, k GroupKind) ([]Group, error) {
	var gs []Group
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().TableExpr("? AS g", bun.Ident(k.table)).
			ColumnExpr("g.id, g.org_id, g.name, g.created_at").
			ColumnExpr("(SELECT count(*) FROM ? m JOIN people p ON p.id = m.person_id AND p.active WHERE m.? = g.id) AS members",
				bun.Ident(k.members), bun.Ident(k.column)).
			Where("g.org_id = ?", o.id).OrderExpr("lower(g.name), g.id").Scan(ctx, &gs)
	})
	return gs, wrap("list "+k.table, err)
}

// GroupNames lists the organisation's teams or labels by name, without
// counting their members (Members is 0): for pages that only name them,
// which Groups' counts would cost a lookup per member.
func (o *Org) GroupNames(ctx context.Context, k GroupKind) ([]Group, error) {
	// A page names every team (hundreds in a large organisation): the
	// statement is prepared once per connection and its rows scanned
	// without reflection. They are put in order here: the database's
	// ORDER BY lower(name) took 1 to 1.5 ms for 500 teams, most of it
	// lower-casing and collating, against a tenth of that here.
	var gs []Group
	err := o.run(ctx, func(db bun.IDB) (err error) {
		gs, err = cachedList(ctx, db, k.namesQuery, []any{o.id}, func(rows *sql.Rows, g *Group) error {
			return rows.Scan(&g.ID, &g.OrgID, &g.Name, &g.CreatedAt)
		})
		return err
	})
	byName(gs)
	return gs, wrap("list "+k.table, err)
}

// byName puts groups in the order of ORDER BY lower(name), id in the
// product's own cluster, whose collation (C.UTF-8) is code-point order,
// as Go compares strings. (On a database of another collation, Groups,
// which sorts in SQL, may order a few names differently.)
func byName(gs []Group) {
	type keyed struct {
		lower string
		g     Group
	}
	ks := make([]keyed, len(gs))
	for i, g := range gs {
		ks[i] = keyed{strings.ToLower(g.Name), g}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		return cmp.Or(strings.Compare(a.lower, b.lower), bytes.Compare(a.g.ID[:], b.g.ID[:]))
	})
	for i, k := range ks {
		gs[i] = k.g
	}
}

// Group loads one team or label of the organisation.
func (o *Org) Group(ctx context.Context, k GroupKind, id uuid.UUID) (Group, error) {
	var g Group
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().TableExpr("?", bun.Ident(k.table)).Column("id", "org_id", "name", "created_at").
			Where("org_id = ?", o.id).Where("id = ?", id).Scan(ctx, &g)
	})
	return g, wrap("load "+k.Noun, err)
}

// CreateGroup adds a team or label; a duplicate name is ErrConflict.
func (o *Org) CreateGroup(ctx context.Context, k GroupKind, name string) (Group, error) {
	var g Group
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewRaw("INSERT INTO ? (org_id, name) VALUES (?, ?) RETURNING id, org_id, name, created_at",
			bun.Ident(k.table), o.id, name).Scan(ctx, &g)
	})
	return g, wrap("create "+k.Noun, err)
}

// RenameGroup renames a team or label.
func (o *Org) RenameGroup(ctx context.Context, k GroupKind, id uuid.UUID, name string) error {
	return o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().TableExpr("?", bun.Ident(k.table)).Set("name = ?", name).
			Where("org_id = ?", o.id).Where("id = ?", id).Exec(ctx)
		return affected("rename "+k.Noun, res, err)
	})
}

// DeleteGroup removes a team or label and its memberships.
func (o *Org) DeleteGroup(ctx context.Context, k GroupKind, id uuid.UUID) error {
	return o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewDelete().TableExpr("?", bun.Ident(k.table)).
			Where("org_id = ?", o.id).Where("id = ?", id).Exec(ctx)
		return affected("delete "+k.Noun, res, err)
	})
}

// GroupsOf lists the teams or labels a person belongs to.
func (o *Org) GroupsOf(ctx context.Context, k GroupKind, personID uuid.UUID) ([]Group, error) {
	var gs []Group
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().TableExpr("? AS g", bun.Ident(k.table)).
			ColumnExpr("g.id, g.org_id, g.name, g.created_at").
			Join("JOIN ? AS m ON m.? = g.id", bun.Ident(k.members), bun.Ident(k.column)).
			Where("g.org_id = ?", o.id).Where("m.person_id = ?", personID).
			OrderExpr("lower(g.name)").Scan(ctx, &gs)
	})
	return gs, wrap("list "+k.Noun+"s of person", err)
}

// SetGroups makes ids exactly the teams (or labels) the person belongs to.
// Ids of another organisation's groups are reported as ErrNotFound,
// changing nothing.
func (o *Org) SetGroups(ctx context.Context, k GroupKind, personID uuid.UUID, ids []uuid.UUID) error {
	return o.run(ctx, func(db bun.IDB) error {
		return setGroups(ctx, db, k, o.id, personID, ids)
	})
}

func setGroups(ctx context.Context, db bun.IDB, k GroupKind, orgID, personID uuid.UUID, ids []uuid.UUID) error {
	var n int
	if err := db.NewSelect().Table("people").ColumnExpr("count(*)").
		Where("org_id = ?", orgID).Where("id = ?", personID).Scan(ctx, &n); err != nil || n == 0 {
		if err == nil {
			return wrap("set "+k.Noun+"s", ErrNotFound)
		}
		return wrap("set "+k.Noun+"s", err)
	}
	ids = uniq(ids)
	if len(ids) > 0 {
		var found int
		if err := db.NewSelect().TableExpr("?", bun.Ident(k.table)).ColumnExpr("count(*)").
			Where("org_id = ?", orgID).Where("id = ANY(?)", pgdialect.Array(ids)).Scan(ctx, &found); err != nil {
			return wrap("set "+k.Noun+"s", err)
		}
		if found != len(ids) {
			return wrap("set "+k.Noun+"s", ErrNotFound)
		}
	}
	// Memberships that stay are kept as they are: when someone joined a
	// team or took a label is when their requirements fall due from.
	del := db.NewDelete().TableExpr("?", bun.Ident(k.members)).
		Where("org_id = ?", orgID).Where("person_id = ?", personID)
	if len(ids) > 0 {
		del = del.Where("NOT (? = ANY(?))", bun.Ident(k.column), pgdialect.Array(ids))
	}
	if _, err := del.Exec(ctx); err != nil {
		return wrap("set "+k.Noun+"s", err)
	}
	for _, id := range ids {
		if _, err := db.NewRaw("INSERT INTO ? (org_id, ?, person_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			bun.Ident(k.members), bun.Ident(k.column), orgID, id, personID).Exec(ctx); err != nil {
			return wrap("set "+k.Noun+"s", err)
		}
	}
	return nil
}

func uniq(ids []uuid.UUID) []uuid.UUID {
	seen := map[uuid.UUID]bool{}
	var out []uuid.UUID
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
