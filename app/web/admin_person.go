package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// adminPersonOf loads the person named by the :id parameter from the
// admin's own organisation: anything else is a 404.
func (s *Server) adminPersonOf(c *fiber.Ctx) (store.Person, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return store.Person{}, err
	}
	p, err := s.org.Person(c.UserContext(), actor(c), id)
	return p, err
}

func (s *Server) adminPerson(c *fiber.Ctx) error {
	p, err := s.adminPersonOf(c)
	if err != nil {
		return err
	}
	form, err := s.storedPersonForm(c, p)
	if err != nil {
		return err
	}
	return s.renderPerson(c, p, form, nil)
}

// storedPersonForm is the edit form filled in with the person as stored.
func (s *Server) storedPersonForm(c *fiber.Ctx, p store.Person) (personForm, error) {
	allTeams, allLabels, err := s.orgGroups(c)
	if err != nil {
		return personForm{}, err
	}
	teams, err := s.org.GroupsOf(c.UserContext(), actor(c), store.Teams, p.ID)
	if err != nil {
		return personForm{}, err
	}
	labels, err := s.org.GroupsOf(c.UserContext(), actor(c), store.Labels, p.ID)
	if err != nil {
		return personForm{}, err
	}
	return personForm{Name: p.Name, Email: p.Email, IsTrainer: p.IsTrainer, OrgAdmin: p.IsOrgAdmin,
		Teams: choicesOf(allTeams, teams), Labels: choicesOf(allLabels, labels)}, nil
}

// renderPerson shows a person's page: the edit form, their passkeys, open
// enrolment links, the account actions and their latest audit entries.
func (s *Server) renderPerson(c *fiber.Ctx, p store.Person, form personForm, errs *formErrors) error {
	page, err := s.org.PersonPage(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	if errs != nil {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	form.Prefix = "person"
	return s.render(c, "pages/admin_person", fiber.Map{
		"Title":    p.Name,
		"Nav":      "people",
		"Person":   p,
		"Self":     p.ID == me(c).ID,
		"Form":     form,
		"Errors":   errs,
		"Passkeys": page.Passkeys,
		"Invites":  page.Invites,
		"Recent":   page.Recent,
		"Notice":   c.Query("notice"),
	})
}

// adminPersonSave applies the edit form: details, roles, teams and labels
// together, or nothing.
func (s *Server) adminPersonSave(c *fiber.Ctx) error {
	p, err := s.adminPersonOf(c)
	if err != nil {
		return err
	}
	form, details, problems, err := s.readPersonForm(c)
	if err != nil {
		return err
	}
	// Taking away your own admin role would shut you out of this page
	// mid-task; another admin can do it.
	if p.ID == me(c).ID && !form.OrgAdmin {
		problems = append(problems, formError{Field: "person-org-admin", Msg: "You cannot remove your own org admin role. Ask another org admin to do it."})
	}
	if len(problems) > 0 {
		return s.renderPerson(c, p, form, newFormErrors(problems...))
	}
	err = s.org.EditPerson(c.UserContext(), actor(c), p.ID, details)
	if in, ok := asInputError(err); ok {
		return s.renderPerson(c, p, form, newFormErrors(formError{Field: fieldID("person-", in), Msg: in.Msg}))
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/people/"+p.ID.String()+"?notice=saved", fiber.StatusSeeOther)
}

// adminSetActive deactivates or reactivates a person. Deactivation ends
// their sessions at once; their records stay.
func (s *Server) adminSetActive(active bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := s.adminPersonOf(c)
		if err != nil {
			return err
		}
		if !active && p.ID == me(c).ID {
			return s.personProblem(c, p, "You cannot deactivate your own account. Ask another org admin to do it.")
		}
		err = s.org.SetActive(c.UserContext(), actor(c), p.ID, active)
		if in, ok := asInputError(err); ok {
			return s.personProblem(c, p, in.Msg)
		}
		if err != nil {
			return err
		}
		notice := "deactivated"
		if active {
			notice = "reactivated"
		}
		return c.Redirect("/admin/people/"+p.ID.String()+"?notice="+notice, fiber.StatusSeeOther)
	}
}

// personProblem re-shows the person's page, as stored, with a message about
// an action that was refused.
func (s *Server) personProblem(c *fiber.Ctx, p store.Person, msg string) error {
	form, err := s.storedPersonForm(c, p)
	if err != nil {
		return err
	}
	return s.renderPerson(c, p, form, newFormErrors(formError{Msg: msg}))
}

// adminReenrol issues a new enrolment link (lost passkeys, expired link),
// withdrawing the person's older open links.
func (s *Server) adminReenrol(c *fiber.Ctx) error {
	p, err := s.adminPersonOf(c)
	if err != nil {
		return err
	}
	if !p.Active {
		return s.personProblem(c, p, p.Name+" is deactivated: reactivate them before issuing an enrolment link.")
	}
	link, err := s.org.Reenrol(c.UserContext(), actor(c), p.ID)
	if err != nil {
		return err
	}
	return s.renderLink(c, p, link, true)
}

// adminRevokeInvite withdraws one of the person's open enrolment links.
func (s *Server) adminRevokeInvite(c *fiber.Ctx) error {
	p, err := s.adminPersonOf(c)
	if err != nil {
		return err
	}
	inviteID, err := idParam(c, "invite")
	if err != nil {
		return err
	}
	open, err := s.org.OpenInvites(c.UserContext(), actor(c), p.ID)
	if err != nil {
		return err
	}
	if !containsInvite(open, inviteID) {
		return fiber.ErrNotFound
	}
	err = s.org.RevokeInvite(c.UserContext(), actor(c), inviteID)
	if errors.Is(err, store.ErrNotFound) {
		// Used or withdrawn since the list above was read.
		return c.Redirect("/admin/people/"+p.ID.String(), fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/people/"+p.ID.String()+"?notice=revoked", fiber.StatusSeeOther)
}

func containsInvite(invites []store.Invite, id uuid.UUID) bool {
	for _, inv := range invites {
		if inv.ID == id {
			return true
		}
	}
	return false
}
