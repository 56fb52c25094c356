package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/learning"
)

// supportEditPage lets an organisation admin edit the support resources
// shown on every course page.
func (s *Server) supportEditPage(c *fiber.Ctx) error {
	rs, err := s.learn.SupportResources(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return s.render(c, "pages/support_edit", fiber.Map{
		"Title":          "Support resources",
		"Nav":            "support",
		"Resources":      rs,
		"DefaultSupport": toSupport(learning.DefaultSupport),
		"Notice":         c.Query("notice"),
	})
}

func supportInput(c *fiber.Ctx) learning.SupportInput {
	return learning.SupportInput{Name: c.FormValue("name"), Description: c.FormValue("description"),
		Link: c.FormValue("link"), Phone: c.FormValue("phone")}
}

// supportError shows bad input as a 400 with its message.
func supportError(err error) error {
	var ie *learning.InputError
	switch {
	case errors.As(err, &ie):
		return fiber.NewError(fiber.StatusBadRequest, ie.Msg)
	case errors.Is(err, learning.ErrNotFound):
		return fiber.ErrNotFound
	}
	return err
}

func (s *Server) supportAdd(c *fiber.Ctx) error {
	if _, err := s.learn.AddSupportResource(c.UserContext(), actor(c), supportInput(c)); err != nil {
		return supportError(err)
	}
	return c.Redirect("/admin/support?notice=added", fiber.StatusSeeOther)
}

func (s *Server) supportUpdate(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.learn.UpdateSupportResource(c.UserContext(), actor(c), id, supportInput(c)); err != nil {
		return supportError(err)
	}
	return c.Redirect("/admin/support?notice=saved", fiber.StatusSeeOther)
}

func (s *Server) supportDelete(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.learn.DeleteSupportResource(c.UserContext(), actor(c), id); err != nil {
		return supportError(err)
	}
	return c.Redirect("/admin/support?notice=deleted", fiber.StatusSeeOther)
}
