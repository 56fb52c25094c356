package store

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
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

	// Passkeys counts the person's passkeys (filled by listings).
	Passkeys int `bun:"passkeys,scanonly"`
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

// CreatePerson adds a person to an organisation.
func (s *Store) CreatePerson(ctx context.Context, orgID uuid.UUID, np NewPerson) (Person, error) {
	p := Person{OrgID: orgID, Name: np.Name, Email: np.Email, UserHandle: np.UserHandle,
		IsTrainer: np.IsTrainer, IsOrgAdmin: np.IsOrgAdmin, Active: true}
	_, err := s.db.NewInsert().Model(&p).Returning("*").Exec(ctx)
	return p, wrap("create person", err)
}

func (s *Store) selectPeople(orgID uuid.UUID) *bun.SelectQuery {
	return s.db.NewSelect().
		TableExpr("people AS p").
		ColumnExpr("p.*").
		ColumnExpr("(SELECT count(*) FROM credentials c WHERE c.person_id = p.id) AS passkeys").
		Where("p.org_id = ?", orgID)
}

// Person loads one person of the organisation.
func (s *Store) Person(ctx context.Context, orgID, id uuid.UUID) (Person, error) {
	var p Person
	err := s.selectPeople(orgID).Where("p.id = ?", id).Scan(ctx, &p)
	return p, wrap("load person", err)
}

// People lists the organisation's people by name.
func (s *Store) People(ctx context.Context, orgID uuid.UUID) ([]Person, error) {
	var ps []Person
	err := s.selectPeople(orgID).OrderExpr("lower(p.name), p.id").Scan(ctx, &ps)
	return ps, wrap("list people", err)
}

// PersonByHandle finds an active person by their passkey user handle. It is
// not scoped by organisation: the handle is a 64-byte secret that only the
// person's own authenticator presents, and it decides the organisation.
func (s *Store) PersonByHandle(ctx context.Context, handle []byte) (Person, error) {
	var p Person
	err := s.db.NewSelect().Model(&p).
		Where("user_handle = ?", handle).Where("active").Scan(ctx)
	return p, wrap("load person by handle", err)
}

// ErrLastAdmin refuses a change that would leave an organisation with no
// active org admin, and so no one able to invite or repair accounts.
var ErrLastAdmin = errors.New("store: an organisation needs at least one active org admin")

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
func (s *Store) UpdatePerson(ctx context.Context, orgID, id uuid.UUID, u PersonDetails) error {
	return s.guardAdmins(ctx, orgID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("people").
			Set("name = ?", u.Name).Set("email = ?", u.Email).
			Set("is_trainer = ?", u.IsTrainer).Set("is_org_admin = ?", u.IsOrgAdmin).
			Where("org_id = ?", orgID).Where("id = ?", id).Exec(ctx)
		if err := affected("update person", res, err); err != nil {
			return err
		}
		if err := setGroups(ctx, tx, Teams, orgID, id, u.Teams); err != nil {
			return err
		}
		return setGroups(ctx, tx, Labels, orgID, id, u.Labels)
	})
}

// SetActive deactivates (or reactivates) a person. Deactivation ends every
// session of theirs at once, in the same transaction.
func (s *Store) SetActive(ctx context.Context, orgID, id uuid.UUID, active bool, now time.Time) error {
	return s.guardAdmins(ctx, orgID, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Table("people").Set("active = ?", active).
			Where("org_id = ?", orgID).Where("id = ?", id)
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
			_, err := tx.NewDelete().Table("sessions").Where("org_id = ?", orgID).Where("person_id = ?", id).Exec(ctx)
			return wrap("end sessions of deactivated person", err)
		}
		return nil
	})
}

// guardAdmins runs fn with the organisation row locked, and rolls it back if
// it left the organisation without an active org admin.
func (s *Store) guardAdmins(ctx context.Context, orgID uuid.UUID, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var id uuid.UUID
		if err := tx.NewSelect().Table("organisations").Column("id").Where("id = ?", orgID).For("UPDATE").Scan(ctx, &id); err != nil {
			return wrap("lock organisation", err)
		}
		if err := fn(ctx, tx); err != nil {
			return err
		}
		n, err := tx.NewSelect().Table("people").Where("org_id = ?", orgID).Where("is_org_admin").Where("active").Count(ctx)
		if err != nil {
			return wrap("count admins", err)
		}
		if n == 0 {
			return ErrLastAdmin
		}
		return nil
	})
}
