package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// GroupKind is one of the two ways an organisation groups its people: teams
// (where people work) and job labels ("line manager", "responder", ...)
// that training requirements target. Both have the same shape, so one set
// of queries serves both.
type GroupKind struct {
	table, members, column string
	// Noun is the singular word for messages ("team", "label").
	Noun string
}

var (
	// Teams are the organisation's teams.
	Teams = GroupKind{table: "teams", members: "team_members", column: "team_id", Noun: "team"}
	// Labels are the organisation's job labels.
	Labels = GroupKind{table: "labels", members: "person_labels", column: "label_id", Noun: "label"}
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
func (s *Store) Groups(ctx context.Context, k GroupKind, orgID uuid.UUID) ([]Group, error) {
	var gs []Group
	err := s.db.NewSelect().TableExpr("? AS g", bun.Ident(k.table)).
		ColumnExpr("g.id, g.org_id, g.name, g.created_at").
		ColumnExpr("(SELECT count(*) FROM ? m JOIN people p ON p.id = m.person_id AND p.active WHERE m.? = g.id) AS members",
			bun.Ident(k.members), bun.Ident(k.column)).
		Where("g.org_id = ?", orgID).OrderExpr("lower(g.name), g.id").Scan(ctx, &gs)
	return gs, wrap("list "+k.table, err)
}

// Group loads one team or label of the organisation.
func (s *Store) Group(ctx context.Context, k GroupKind, orgID, id uuid.UUID) (Group, error) {
	var g Group
	err := s.db.NewSelect().TableExpr("?", bun.Ident(k.table)).Column("id", "org_id", "name", "created_at").
		Where("org_id = ?", orgID).Where("id = ?", id).Scan(ctx, &g)
	return g, wrap("load "+k.Noun, err)
}

// CreateGroup adds a team or label; a duplicate name is ErrConflict.
func (s *Store) CreateGroup(ctx context.Context, k GroupKind, orgID uuid.UUID, name string) (Group, error) {
	var g Group
	err := s.db.NewRaw("INSERT INTO ? (org_id, name) VALUES (?, ?) RETURNING id, org_id, name, created_at",
		bun.Ident(k.table), orgID, name).Scan(ctx, &g)
	return g, wrap("create "+k.Noun, err)
}

// RenameGroup renames a team or label.
func (s *Store) RenameGroup(ctx context.Context, k GroupKind, orgID, id uuid.UUID, name string) error {
	res, err := s.db.NewUpdate().TableExpr("?", bun.Ident(k.table)).Set("name = ?", name).
		Where("org_id = ?", orgID).Where("id = ?", id).Exec(ctx)
	return affected("rename "+k.Noun, res, err)
}

// DeleteGroup removes a team or label and its memberships.
func (s *Store) DeleteGroup(ctx context.Context, k GroupKind, orgID, id uuid.UUID) error {
	res, err := s.db.NewDelete().TableExpr("?", bun.Ident(k.table)).
		Where("org_id = ?", orgID).Where("id = ?", id).Exec(ctx)
	return affected("delete "+k.Noun, res, err)
}

// GroupsOf lists the teams or labels a person belongs to.
func (s *Store) GroupsOf(ctx context.Context, k GroupKind, orgID, personID uuid.UUID) ([]Group, error) {
	var gs []Group
	err := s.db.NewSelect().TableExpr("? AS g", bun.Ident(k.table)).
		ColumnExpr("g.id, g.org_id, g.name, g.created_at").
		Join("JOIN ? AS m ON m.? = g.id", bun.Ident(k.members), bun.Ident(k.column)).
		Where("g.org_id = ?", orgID).Where("m.person_id = ?", personID).
		OrderExpr("lower(g.name)").Scan(ctx, &gs)
	return gs, wrap("list "+k.Noun+"s of person", err)
}

// SetGroups makes ids exactly the teams (or labels) the person belongs to.
// Ids of another organisation's groups are refused by the composite foreign
// key and reported as ErrNotFound, changing nothing.
func (s *Store) SetGroups(ctx context.Context, k GroupKind, orgID, personID uuid.UUID, ids []uuid.UUID) error {
	return s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return setGroups(ctx, tx, k, orgID, personID, ids)
	})
}

func setGroups(ctx context.Context, tx bun.Tx, k GroupKind, orgID, personID uuid.UUID, ids []uuid.UUID) error {
	var n int
	if err := tx.NewSelect().Table("people").ColumnExpr("count(*)").
		Where("org_id = ?", orgID).Where("id = ?", personID).Scan(ctx, &n); err != nil || n == 0 {
		if err == nil {
			return wrap("set "+k.Noun+"s", ErrNotFound)
		}
		return wrap("set "+k.Noun+"s", err)
	}
	if len(ids) > 0 {
		var found int
		if err := tx.NewSelect().TableExpr("?", bun.Ident(k.table)).ColumnExpr("count(*)").
			Where("org_id = ?", orgID).Where("id IN (?)", bun.In(ids)).Scan(ctx, &found); err != nil {
			return wrap("set "+k.Noun+"s", err)
		}
		if found != len(uniq(ids)) {
			return wrap("set "+k.Noun+"s", ErrNotFound)
		}
	}
	if _, err := tx.NewDelete().TableExpr("?", bun.Ident(k.members)).
		Where("org_id = ?", orgID).Where("person_id = ?", personID).Exec(ctx); err != nil {
		return wrap("set "+k.Noun+"s", err)
	}
	for _, id := range uniq(ids) {
		if _, err := tx.NewRaw("INSERT INTO ? (org_id, ?, person_id) VALUES (?, ?, ?)",
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
