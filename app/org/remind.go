package org

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
)

// What coverage gives the reminders (app/remind, docs/coverage.md,
// "Reminders"): who has something due, and whom an admin or a manager may
// remind.

// Outstanding lists every duty of the organisation that is due soon,
// overdue or expired, one row per team the person is counted under (none:
// in no team). For the daily reminders, acting as the operator; admins
// only, like the whole organisation's coverage.
func (c *Coverage) Outstanding(ctx context.Context, a Actor) ([]store.Duty, error) {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if !sc.Admin {
		return nil, ErrNoCoverage
	}
	q, err := c.query(ctx, a, sc)
	if err != nil {
		return nil, err
	}
	var out []store.Duty
	for _, st := range []string{store.StatusDueSoon, store.StatusOverdue, store.StatusExpired} {
		q.Status = st
		ds, err := a.Org.Duties(ctx, q, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	return out, nil
}

// Remindable are the statuses a reminder may be sent for: a due date (or
// a refresher) close or passed, and no completion that counts.
var Remindable = []string{store.StatusDueSoon, store.StatusOverdue, store.StatusExpired}

// RemindTarget is the person an actor may send a reminder to about a
// course, with their duty in it: the actor must be an org admin, or the
// manager of a team the person is in (anyone else, and anyone asking
// about a person of another organisation or outside their teams, gets
// ErrNoCoverage). A course not required of the person, or one they are
// not due soon, overdue or expired in, is an input error naming it.
func (c *Coverage) RemindTarget(ctx context.Context, a Actor, personID uuid.UUID, module string) (store.Person, store.Duty, error) {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return store.Person{}, store.Duty{}, err
	}
	p, err := a.Org.Person(ctx, personID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Person{}, store.Duty{}, ErrNoCoverage
	}
	if err != nil {
		return store.Person{}, store.Duty{}, err
	}
	if !sc.Admin {
		teams, err := a.Org.GroupsOf(ctx, store.Teams, personID)
		if err != nil {
			return store.Person{}, store.Duty{}, err
		}
		if !slices.ContainsFunc(teams, func(g store.Group) bool { return sc.Sees(g.ID) }) {
			return store.Person{}, store.Duty{}, ErrNoCoverage
		}
	}
	q, err := c.query(ctx, a, sc)
	if err != nil {
		return store.Person{}, store.Duty{}, err
	}
	q.Person, q.Module = &personID, module
	ds, err := c.totals(ctx, a, q)
	if err != nil {
		return store.Person{}, store.Duty{}, err
	}
	if len(ds) == 0 || module == "" {
		return store.Person{}, store.Duty{}, fault.Input("module",
			fmt.Sprintf("That course is not required of %s: there is nothing to remind them of.", p.Name))
	}
	d := ds[0]
	if !slices.Contains(Remindable, d.Status) {
		return store.Person{}, store.Duty{}, fault.Input("module", fmt.Sprintf("%s is %s in this course: reminders are for people due soon or overdue.",
			p.Name, strings.ToLower(StatusWords[d.Status])))
	}
	return p, d, nil
}

// SetDigest turns the acting person's weekly digest of their teams'
// overdue people off (off true) or on again, audited. Reminders of their
// own courses are not affected.
func (s *Service) SetDigest(ctx context.Context, a Actor, off bool) error {
	return a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := tx.Member(a.PersonID).SetDigestOff(ctx, off); err != nil {
			return err
		}
		state := "on"
		if off {
			state = "off"
		}
		return Record(ctx, tx, a, DigestSetting, a.Ref(), map[string]any{"weekly digest": state}, s.now())
	})
}
