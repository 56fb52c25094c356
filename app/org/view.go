package org

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/store"
)

// Organisation is the actor's organisation.
func (s *Service) Organisation(ctx context.Context, a Actor) (store.Organisation, error) {
	return a.Org.Organisation(ctx)
}

// PersonRow is one line of the people list.
type PersonRow struct {
	store.Person
	Teams  []store.Group
	Labels []store.Group
}

// People lists the organisation's people by name with their teams and
// labels.
func (s *Service) People(ctx context.Context, a Actor) ([]PersonRow, error) {
	var rows []PersonRow
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		people, err := tx.People(ctx)
		if err != nil {
			return err
		}
		teams, err := tx.Memberships(ctx, store.Teams)
		if err != nil {
			return err
		}
		labels, err := tx.Memberships(ctx, store.Labels)
		if err != nil {
			return err
		}
		rows = make([]PersonRow, len(people))
		for i, p := range people {
			rows[i] = PersonRow{Person: p, Teams: teams[p.ID], Labels: labels[p.ID]}
		}
		return nil
	})
	return rows, err
}

// Person loads one person of the organisation.
func (s *Service) Person(ctx context.Context, a Actor, id uuid.UUID) (store.Person, error) {
	p, err := a.Org.Person(ctx, id)
	return p, err
}

// PersonPage is what an admin sees of a person beyond their details and
// groups: their passkeys, open enrolment links and latest audit entries.
// Never their answers, choices or notes.
type PersonPage struct {
	Passkeys []store.Credential
	Invites  []store.Invite
	Recent   []AuditRow
}

// PersonPage gathers the admin's page of a person.
func (s *Service) PersonPage(ctx context.Context, a Actor, p store.Person) (PersonPage, error) {
	var pp PersonPage
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		if pp.Passkeys, err = tx.Member(p.ID).Credentials(ctx); err != nil {
			return err
		}
		if pp.Invites, err = tx.OpenInvites(ctx, p.ID, s.now()); err != nil {
			return err
		}
		pid := p.ID
		pp.Recent, err = s.AuditLog(ctx, Actor{Org: tx, PersonID: a.PersonID, IP: a.IP}, store.AuditFilter{PersonID: &pid, Limit: 10})
		return err
	})
	return pp, err
}

// OpenInvites lists a person's enrolment links that can still be used.
func (s *Service) OpenInvites(ctx context.Context, a Actor, personID uuid.UUID) ([]store.Invite, error) {
	return a.Org.OpenInvites(ctx, personID, s.now())
}

// Groups lists the organisation's teams or labels.
func (s *Service) Groups(ctx context.Context, a Actor, k store.GroupKind) ([]store.Group, error) {
	return a.Org.Groups(ctx, k)
}

// Group loads one team or label of the organisation.
func (s *Service) Group(ctx context.Context, a Actor, k store.GroupKind, id uuid.UUID) (store.Group, error) {
	g, err := a.Org.Group(ctx, k, id)
	return g, err
}

// GroupsOf lists the teams or labels a person of the organisation is in.
func (s *Service) GroupsOf(ctx context.Context, a Actor, k store.GroupKind, personID uuid.UUID) ([]store.Group, error) {
	return a.Org.GroupsOf(ctx, k, personID)
}

// InviteEmail is the message that carries an enrolment link to its
// person, from the admin who made it (reenrol: a new link for someone who
// already had one).
func (s *Service) InviteEmail(ctx context.Context, a Actor, p store.Person, link Link, reenrol bool) (mail.Message, error) {
	o, err := a.Org.Organisation(ctx)
	if err != nil {
		return mail.Message{}, err
	}
	from := "Your administrator"
	if a.PersonID != uuid.Nil {
		admin, err := a.Org.Person(ctx, a.PersonID)
		if err != nil {
			return mail.Message{}, err
		}
		from = admin.Name
	}
	days := int(s.cfg.InviteTTL / (24 * time.Hour))
	intro := fmt.Sprintf("%s has invited you to Upstand, where %s takes its training on responding well at work: courses and practice conversations.", from, o.Name)
	subject := "Your invitation to Upstand from " + o.Name
	if reenrol {
		intro = fmt.Sprintf("%s has given you a new link to set up a passkey for your Upstand account at %s. Your records stay as they are.", from, o.Name)
		subject = "A new Upstand sign-in link from " + o.Name
	}
	text := fmt.Sprintf("Hello %s,\n\n%s\n\nOpen this link to set up a passkey, so you can sign in without a password:\n\n%s\n\n"+
		"The link works once and for %d days. Do not forward it: whoever opens it can set up the passkey for your account.\n"+
		"If you did not expect this email, you can ignore it, or tell %s.\n",
		p.Name, intro, link.URL, days, from)
	return mail.Message{ToName: p.Name, To: p.Email, Subject: subject, Text: text}, nil
}
