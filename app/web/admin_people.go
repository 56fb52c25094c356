package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/store"
)

// personRow is one line of the people list.
type personRow struct {
	store.Person
	Teams  []store.Group
	Labels []store.Group
}

// adminPeople lists the organisation's people with the invite form.
func (s *Server) adminPeople(c *fiber.Ctx) error {
	teams, labels, err := s.orgGroups(c.UserContext(), myOrg(c))
	if err != nil {
		return err
	}
	return s.renderPeople(c, personForm{Teams: choicesOf(teams, nil), Labels: choicesOf(labels, nil)}, nil)
}

func (s *Server) renderPeople(c *fiber.Ctx, form personForm, errs *formErrors) error {
	ctx, org := c.UserContext(), myOrg(c)
	people, err := org.People(ctx)
	if err != nil {
		return err
	}
	teams, err := org.Memberships(ctx, store.Teams)
	if err != nil {
		return err
	}
	labels, err := org.Memberships(ctx, store.Labels)
	if err != nil {
		return err
	}
	rows := make([]personRow, len(people))
	for i, p := range people {
		rows[i] = personRow{Person: p, Teams: teams[p.ID], Labels: labels[p.ID]}
	}
	if errs != nil {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.render(c, "pages/admin_people", fiber.Map{
		"Title":  "People",
		"Nav":    "people",
		"People": rows,
		"Form":   form,
		"Errors": errs,
		"MailOn": s.mail.Enabled(),
	})
}

func (s *Server) orgGroups(ctx context.Context, org *store.Org) (teams, labels []store.Group, err error) {
	if teams, err = org.Groups(ctx, store.Teams); err != nil {
		return nil, nil, err
	}
	if labels, err = org.Groups(ctx, store.Labels); err != nil {
		return nil, nil, err
	}
	return teams, labels, nil
}

// adminInvite creates a person and shows their one-time enrolment link,
// emailing it too when mail is on. The link is shown in this response only:
// just its hash is stored, so it cannot be shown again (a new one can be
// issued from the person's page).
func (s *Server) adminInvite(c *fiber.Ctx) error {
	form, details, problems, err := s.readPersonForm(c)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return s.renderPeople(c, form, newFormErrors(problems...))
	}
	p, link, err := s.auth.Invite(c.UserContext(), actor(c), details)
	if in, ok := asInputError(err); ok {
		return s.renderPeople(c, form, newFormErrors(formError{Field: personField("invite-", in.Msg), Msg: in.Msg}))
	}
	if err != nil {
		return err
	}
	return s.renderLink(c, p, link, false)
}

// renderLink shows a new enrolment link to copy, after trying to email it.
func (s *Server) renderLink(c *fiber.Ctx, p store.Person, link auth.Link, reenrol bool) error {
	emailed, mailErr := s.emailLink(c, p, link, reenrol)
	return s.render(c, "pages/admin_link", fiber.Map{
		"Title":     "Enrolment link for " + p.Name,
		"Nav":       "people",
		"Person":    p,
		"Link":      link.URL,
		"Expires":   s.now().Add(s.auth.Config().InviteTTL),
		"Reenrol":   reenrol,
		"MailOn":    s.mail.Enabled(),
		"Emailed":   emailed,
		"MailError": mailErr,
		"Days":      int(s.auth.Config().InviteTTL / (24 * time.Hour)),
	})
}
