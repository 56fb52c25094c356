package store

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/fault"
)

// Person is a member of one organisation. Every person is a learner;
// IsTrainer and IsOrgAdmin add the other access roles.
type Person struct {
	bun.BaseModel `bun:"table:people"`

	ID            uuid.UUID  `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	OrgID         uuid.UUID  `bun:"org_id,type:uuid"`
	Name          string     `bun:"name"`
	Email         string     `bun:"email"`
	UserHandle    []byte     `bun:"user_handle"`
	IsTrainer     bool       `bun:"is_trainer"`
	IsOrgAdmin    bool       `bun:"is_org_admin"`
	Active        bool       `bun:"active"`
	CreatedAt     time.Time  `bun:"created_at,nullzero,default:now()"`
	DeactivatedAt *time.Time `bun:"deactivated_at"`
	// DigestOff: the person turned off the weekly digest of their teams'
	// overdue people (docs/coverage.md, "Reminders").
	DigestOff bool `bun:"digest_off"`

	// Passkeys counts the person's passkeys (filled by listings).
	Passkeys int `bun:"passkeys,scanonly"`
	// Manages: the person manages at least one team (filled by listings
	// and the session lookup), which gives them the coverage pages.
	Manages bool `bun:"manages,scanonly"`
}

// Role is an access role. Its value is the code the audit log keeps;
// Label is what people read.
type Role string

// The access roles, in the order Roles lists them.
const (
	Learner  Role = "learner"
	Trainer  Role = "trainer"
	OrgAdmin Role = "org_admin"
)

// Label is the role in people's words, as every page shows it.
func (r Role) Label() string {
	switch r {
	case Learner:
		return "Learner"
	case Trainer:
		return "Trainer"
	case OrgAdmin:
		return "Org admin"
	}
	return string(r)
}

// Roles lists the person's access roles, learner first.
func (p Person) Roles() []Role {
	roles := []Role{Learner}
	if p.IsTrainer {
		roles = append(roles, Trainer)
	}
	if p.IsOrgAdmin {
		roles = append(roles, OrgAdmin)
	}
	return roles
}

// NewPerson is what an admin fills in to invite someone.
type NewPerson struct {
	Name       string
	Email      string
	UserHandle []byte
	IsTrainer  bool
	IsOrgAdmin bool
}

// CreatePerson adds a person to the organisation.
func (o *Org) CreatePerson(ctx context.Context, np NewPerson) (Person, error) {
	p := Person{OrgID: o.id, Name: np.Name, Email: np.Email, UserHandle: np.UserHandle,
		IsTrainer: np.IsTrainer, IsOrgAdmin: np.IsOrgAdmin, Active: true}
	err := o.run(ctx, func(db bun.IDB) error {
		_, err := db.NewInsert().Model(&p).Returning("*").Exec(ctx)
		return err
	})
	return p, wrap("create person", err)
}

func selectPeople(db bun.IDB, orgID uuid.UUID) *bun.SelectQuery {
	return db.NewSelect().
		TableExpr("people AS p").
		ColumnExpr("p.*").
		ColumnExpr("(SELECT count(*) FROM credentials c WHERE c.person_id = p.id) AS passkeys").
		ColumnExpr("EXISTS (SELECT 1 FROM team_members tm WHERE tm.org_id = p.org_id AND tm.person_id = p.id AND tm.is_manager) AS manages").
		Where("p.org_id = ?", orgID)
}

// Person loads one person of the organisation.
func (o *Org) Person(ctx context.Context, id uuid.UUID) (Person, error) {
	var p Person
	err := o.run(ctx, func(db bun.IDB) error {
		return selectPeople(db, o.id).Where("p.id = ?", id).Scan(ctx, &p)
	})
	return p, wrap("load person", err)
}

// People lists the organisation's people by name.
func (o *Org) People(ctx context.Context) ([]Person, error) {
	var ps []Person
	err := o.run(ctx, func(db bun.IDB) error {
		return selectPeople(db, o.id).OrderExpr("lower(p.name), p.id").Scan(ctx, &ps)
	})
	return ps, wrap("list people", err)
}

// PersonByHandle finds an active person by their passkey user handle. It is
// not scoped by organisation: the handle is a 64-byte secret that only the
// person's own authenticator presents, and it decides the organisation.
func (g *Global) PersonByHandle(ctx context.Context, handle []byte) (Person, error) {
	var p Person
	err := g.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&p).Where("user_handle = ?", handle).Where("active").Scan(ctx)
	})
	return p, wrap("load person by handle", err)
}

// ErrLastAdmin refuses a change that would leave an organisation with no
// active org admin, and so no one able to invite or repair accounts.
var ErrLastAdmin error = fault.Wrap(fault.Conflict, errors.New("store: an organisation needs at least one active org admin"))

// PersonDetails are what an org admin (or the operator) sets for a person,
// on inviting them and on editing them: name, email, roles, teams and labels.
type PersonDetails struct {
	Name       string
	Email      string
	IsTrainer  bool
	IsOrgAdmin bool
	Teams      []uuid.UUID
	Labels     []uuid.UUID
}

// UpdatePerson changes a person's details, roles, teams and labels, all or
// nothing.
func (o *Org) UpdatePerson(ctx context.Context, id uuid.UUID, u PersonDetails) error {
	return o.guardAdmins(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Table("people").
			Set("name = ?", u.Name).Set("email = ?", u.Email).
			Set("is_trainer = ?", u.IsTrainer).Set("is_org_admin = ?", u.IsOrgAdmin).
			Where("org_id = ?", o.id).Where("id = ?", id).Exec(ctx)
		if err := affected("update person", res, err); err != nil {
			return err
		}
		if err := setGroups(ctx, db, Teams, o.id, id, u.Teams); err != nil {
			return err
		}
		return setGroups(ctx, db, Labels, o.id, id, u.Labels)
	})
}

// SetActive deactivates (or reactivates) a person. Deactivation ends every
// session of theirs at once, in the same transaction.
func (o *Org) SetActive(ctx context.Context, id uuid.UUID, active bool, now time.Time) error {
	return o.guardAdmins(ctx, func(db bun.IDB) error {
		q := db.NewUpdate().Table("people").Set("active = ?", active).
			Where("org_id = ?", o.id).Where("id = ?", id)
		if active {
			q = q.Set("deactivated_at = NULL")
		} else {
			q = q.Set("deactivated_at = ?", now)
		}
		res, err := q.Exec(ctx)
		if err := affected("set person active", res, err); err != nil {
			return err
		}
		if !active {
			_, err := db.NewDelete().Table("sessions").Where("org_id = ?", o.id).Where("person_id = ?", id).Exec(ctx)
			return wrap("end sessions of deactivated person", err)
		}
		return nil
	})
}

// guardAdmins runs fn with the organisation row locked, and rolls it back if
// it left the organisation without an active org admin.
func (o *Org) guardAdmins(ctx context.Context, fn func(db bun.IDB) error) error {
	return o.run(ctx, func(db bun.IDB) error {
		var id uuid.UUID
		if err := db.NewSelect().Table("organisations").Column("id").Where("id = ?", o.id).For("UPDATE").Scan(ctx, &id); err != nil {
			return wrap("lock organisation", err)
		}
		if err := fn(db); err != nil {
			return err
		}
		n, err := db.NewSelect().Table("people").Where("org_id = ?", o.id).Where("is_org_admin").Where("active").Count(ctx)
		if err != nil {
			return wrap("count admins", err)
		}
		if n == 0 {
			return ErrLastAdmin
		}
		return nil
	})
}
