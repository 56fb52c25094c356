package auth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// EditPerson applies an admin's change to someone's details, roles, teams
// and labels, all together or none, and audits what changed.
func (s *Service) EditPerson(ctx context.Context, a Actor, personID uuid.UUID, e store.PersonDetails) error {
	before, err := s.st.Person(ctx, a.OrgID, personID)
	if err != nil {
		return err
	}
	name, email, err := cleanPerson(e.Name, e.Email)
	if err != nil {
		return err
	}
	oldTeams, err := s.groupIDs(ctx, store.Teams, a.OrgID, personID)
	if err != nil {
		return err
	}
	oldLabels, err := s.groupIDs(ctx, store.Labels, a.OrgID, personID)
	if err != nil {
		return err
	}
	e.Name, e.Email = name, email
	err = s.st.UpdatePerson(ctx, a.OrgID, personID, e)
	switch {
	case errors.Is(err, store.ErrConflict):
		return &InputError{"Someone in your organisation already has that email address."}
	case errors.Is(err, store.ErrLastAdmin):
		return &InputError{"Your organisation needs at least one active org admin: make someone else an org admin first."}
	case err != nil:
		return err
	}
	after := before
	after.IsTrainer, after.IsOrgAdmin = e.IsTrainer, e.IsOrgAdmin
	if before.Name != name || before.Email != email {
		s.audit(ctx, a, "person.details", &personID, map[string]any{"name": name, "email": email})
	}
	if !slices.Equal(before.Roles(), after.Roles()) {
		s.audit(ctx, a, "person.roles", &personID, map[string]any{"from": before.Roles(), "to": after.Roles()})
	}
	if !sameSet(oldTeams, e.Teams) {
		s.audit(ctx, a, "person.teams", &personID, map[string]any{"teams": len(uniqIDs(e.Teams))})
	}
	if !sameSet(oldLabels, e.Labels) {
		s.audit(ctx, a, "person.labels", &personID, map[string]any{"labels": len(uniqIDs(e.Labels))})
	}
	return nil
}

func (s *Service) groupIDs(ctx context.Context, k store.GroupKind, orgID, personID uuid.UUID) ([]uuid.UUID, error) {
	gs, err := s.st.GroupsOf(ctx, k, orgID, personID)
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
	err := s.st.SetActive(ctx, a.OrgID, personID, active, s.now())
	if errors.Is(err, store.ErrLastAdmin) {
		return &InputError{"Your organisation needs at least one active org admin: make someone else an org admin first."}
	}
	if err != nil {
		return err
	}
	action := "person.deactivate"
	if active {
		action = "person.reactivate"
	}
	s.audit(ctx, a, action, &personID, nil)
	return nil
}

func cleanGroupName(k store.GroupKind, name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", &InputError{"Give the " + k.Noun + " a name of 1 to 100 characters."}
	}
	return name, nil
}

// CreateGroup adds a team or label.
func (s *Service) CreateGroup(ctx context.Context, a Actor, k store.GroupKind, name string) (store.Group, error) {
	name, err := cleanGroupName(k, name)
	if err != nil {
		return store.Group{}, err
	}
	g, err := s.st.CreateGroup(ctx, k, a.OrgID, name)
	if errors.Is(err, store.ErrConflict) {
		return store.Group{}, &InputError{"There is already a " + k.Noun + " called " + name + "."}
	}
	if err != nil {
		return store.Group{}, err
	}
	s.audit(ctx, a, k.Noun+".create", nil, map[string]any{"id": g.ID, "name": name})
	return g, nil
}

// RenameGroup renames a team or label.
func (s *Service) RenameGroup(ctx context.Context, a Actor, k store.GroupKind, id uuid.UUID, name string) error {
	name, err := cleanGroupName(k, name)
	if err != nil {
		return err
	}
	err = s.st.RenameGroup(ctx, k, a.OrgID, id, name)
	if errors.Is(err, store.ErrConflict) {
		return &InputError{"There is already a " + k.Noun + " called " + name + "."}
	}
	if err != nil {
		return err
	}
	s.audit(ctx, a, k.Noun+".rename", nil, map[string]any{"id": id, "name": name})
	return nil
}

// DeleteGroup removes a team or label (people stay; only the grouping goes).
func (s *Service) DeleteGroup(ctx context.Context, a Actor, k store.GroupKind, id uuid.UUID) error {
	g, err := s.st.Group(ctx, k, a.OrgID, id)
	if err != nil {
		return err
	}
	if err := s.st.DeleteGroup(ctx, k, a.OrgID, id); err != nil {
		return err
	}
	s.audit(ctx, a, k.Noun+".delete", nil, map[string]any{"id": id, "name": g.Name})
	return nil
}
