package org

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/secret"
	"github.com/upstand/upstand/app/store"
)

// EditPerson applies an admin's change to someone's details, roles, teams
// and labels, all together or none, with its audit entries.
func (s *Service) EditPerson(ctx context.Context, a Actor, personID uuid.UUID, e store.PersonDetails) error {
	name, email, err := cleanPerson(e.Name, e.Email)
	if err != nil {
		return err
	}
	e.Name, e.Email = name, email
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		before, err := tx.Person(ctx, personID)
		if err != nil {
			return err
		}
		oldTeams, err := groupIDs(ctx, tx, store.Teams, personID)
		if err != nil {
			return err
		}
		oldLabels, err := groupIDs(ctx, tx, store.Labels, personID)
		if err != nil {
			return err
		}
		if err := tx.UpdatePerson(ctx, personID, e); err != nil {
			return err
		}
		after := before
		after.IsTrainer, after.IsOrgAdmin = e.IsTrainer, e.IsOrgAdmin
		var changes []func() error
		if before.Name != name || before.Email != email {
			changes = append(changes, func() error {
				return Record(ctx, tx, a, PersonDetails, &personID, map[string]any{"name": name, "email": email}, s.now())
			})
		}
		if !slices.Equal(before.Roles(), after.Roles()) {
			changes = append(changes, func() error {
				return Record(ctx, tx, a, PersonRoles, &personID, map[string]any{"from": before.Roles(), "to": after.Roles()}, s.now())
			})
		}
		if !sameSet(oldTeams, e.Teams) {
			changes = append(changes, func() error {
				return Record(ctx, tx, a, PersonTeams, &personID, map[string]any{"teams": len(uniqIDs(e.Teams))}, s.now())
			})
		}
		if !sameSet(oldLabels, e.Labels) {
			changes = append(changes, func() error {
				return Record(ctx, tx, a, PersonLabels, &personID, map[string]any{"labels": len(uniqIDs(e.Labels))}, s.now())
			})
		}
		for _, write := range changes {
			if err := write(); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		return invalid("email", "Someone in your organisation already has that email address.")
	case errors.Is(err, store.ErrLastAdmin):
		return invalid("org-admin", "Your organisation needs at least one active org admin: make someone else an org admin first.")
	}
	return err
}

func groupIDs(ctx context.Context, tx *store.Org, k store.GroupKind, personID uuid.UUID) ([]uuid.UUID, error) {
	gs, err := tx.GroupsOf(ctx, k, personID)
	if err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	return ids, nil
}

func uniqIDs(ids []uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}

func sameSet(a, b []uuid.UUID) bool { return slices.Equal(uniqIDs(a), uniqIDs(b)) }

// SetActive deactivates or reactivates a person. Deactivation signs them out
// everywhere at once; their records stay.
func (s *Service) SetActive(ctx context.Context, a Actor, personID uuid.UUID, active bool) error {
	action := PersonDeactivate
	if active {
		action = PersonReactivate
	}
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.SetActive(ctx, personID, active, s.now()); err != nil {
			return err
		}
		return Record(ctx, tx, a, action, &personID, nil, s.now())
	})
	if errors.Is(err, store.ErrLastAdmin) {
		return invalid("org-admin", "Your organisation needs at least one active org admin: make someone else an org admin first.")
	}
	return err
}

func cleanGroupName(k store.GroupKind, name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", invalid("name", "Give the "+k.Noun+" a name of 1 to 100 characters.")
	}
	return name, nil
}

// CreateGroup adds a team or label.
func (s *Service) CreateGroup(ctx context.Context, a Actor, k store.GroupKind, name string) (store.Group, error) {
	name, err := cleanGroupName(k, name)
	if err != nil {
		return store.Group{}, err
	}
	var g store.Group
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		if g, err = tx.CreateGroup(ctx, k, name); err != nil {
			return err
		}
		return Record(ctx, tx, a, groupAction(k, "create"), nil, map[string]any{"id": g.ID, "name": name}, s.now())
	})
	if errors.Is(err, store.ErrConflict) {
		return store.Group{}, invalid("name", "There is already a "+k.Noun+" called "+name+".")
	}
	if err != nil {
		return store.Group{}, err
	}
	return g, nil
}

// RenameGroup renames a team or label.
func (s *Service) RenameGroup(ctx context.Context, a Actor, k store.GroupKind, id uuid.UUID, name string) error {
	name, err := cleanGroupName(k, name)
	if err != nil {
		return err
	}
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.RenameGroup(ctx, k, id, name); err != nil {
			return err
		}
		return Record(ctx, tx, a, groupAction(k, "rename"), nil, map[string]any{"id": id, "name": name}, s.now())
	})
	if errors.Is(err, store.ErrConflict) {
		return invalid("name", "There is already a "+k.Noun+" called "+name+".")
	}
	return err
}

// DeleteGroup removes a team or label (people stay; only the grouping goes).
func (s *Service) DeleteGroup(ctx context.Context, a Actor, k store.GroupKind, id uuid.UUID) error {
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		g, err := tx.Group(ctx, k, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteGroup(ctx, k, id); err != nil {
			return err
		}
		return Record(ctx, tx, a, groupAction(k, "delete"), nil, map[string]any{"id": id, "name": g.Name}, s.now())
	})
}

// AddPerson adds someone without an enrolment link. Only the demo uses it:
// its learner and trainer sign in with demo links, and can add a passkey
// from their account page.
func (s *Service) AddPerson(ctx context.Context, a Actor, d store.PersonDetails) (store.Person, error) {
	name, email, err := cleanPerson(d.Name, d.Email)
	if err != nil {
		return store.Person{}, err
	}
	var p store.Person
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		p, err = tx.CreatePerson(ctx, store.NewPerson{Name: name, Email: email, UserHandle: secret.UserHandle(),
			IsTrainer: d.IsTrainer, IsOrgAdmin: d.IsOrgAdmin})
		if err != nil {
			return err
		}
		return Record(ctx, tx, a, PersonCreate, &p.ID, map[string]any{"email": email, "roles": p.Roles()}, s.now())
	})
	if errors.Is(err, store.ErrConflict) {
		return store.Person{}, invalid("email", "Someone in your organisation already has that email address.")
	}
	if err != nil {
		return store.Person{}, err
	}
	return p, nil
}

// cleanPerson checks and normalises a name and email.
func cleanPerson(name, email string) (string, string, error) {
	name = strings.Join(strings.Fields(name), " ")
	email = strings.TrimSpace(email)
	switch {
	case name == "":
		return "", "", invalid("name", "Enter the person's name.")
	case utf8.RuneCountInString(name) > 200:
		return "", "", invalid("name", "The name is too long (200 characters at most).")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 320 {
		return "", "", invalid("email", "Enter an email address like name@example.org.")
	}
	return name, email, nil
}
