package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// adminPeople lists the organisation's people with the invite form.
func (s *Server) adminPeople(c *fiber.Ctx) error {
	teams, labels, err := s.orgGroups(c)
	if err != nil {
		return err
	}
	return s.renderPeople(c, personForm{Teams: choicesOf(teams, nil), Labels: choicesOf(labels, nil)}, nil)
}

func (s *Server) renderPeople(c *fiber.Ctx, form personForm, errs *formErrors) error {
	rows, err := s.org.People(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	if errs != nil {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	form.Prefix = "invite"
	return s.render(c, "pages/admin_people", fiber.Map{
		"Title":  "People",
		"Nav":    "people",
		"People": rows,
		"Form":   form,
		"Errors": errs,
		"MailOn": s.mail.Enabled(),
	})
}

// orgGroups is the organisation's teams and labels, for the person forms.
func (s *Server) orgGroups(c *fiber.Ctx) (teams, labels []store.Group, err error) {
	if teams, err = s.org.Groups(c.UserContext(), actor(c), store.Teams); err != nil {
		return nil, nil, err
	}
	if labels, err = s.org.Groups(c.UserContext(), actor(c), store.Labels); err != nil {
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
	p, link, err := s.org.Invite(c.UserContext(), actor(c), details)
	if in, ok := asInputError(err); ok {
		return s.renderPeople(c, form, newFormErrors(formError{Field: fieldID("invite-", in), Msg: in.Msg}))
	}
	if err != nil {
		return err
	}
	return s.renderLink(c, p, link, false)
}

// renderLink shows a new enrolment link to copy, after trying to email it.
func (s *Server) renderLink(c *fiber.Ctx, p store.Person, link org.Link, reenrol bool) error {
	emailed, mailErr := s.emailLink(c, p, link, reenrol)
	return s.render(c, "pages/admin_link", fiber.Map{
		"Title":     "Enrolment link for " + p.Name,
		"Nav":       "people",
		"Person":    p,
		"Link":      link.URL,
		"Expires":   s.now().Add(s.org.Config().InviteTTL),
		"Reenrol":   reenrol,
		"MailOn":    s.mail.Enabled(),
		"Emailed":   emailed,
		"MailError": mailErr,
		"Days":      int(s.org.Config().InviteTTL / (24 * time.Hour)),
	})
}
