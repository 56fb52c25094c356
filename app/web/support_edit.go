package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/org"
)

// supportEditPage lets an organisation admin edit the support resources
// shown on every course page.
func (s *Server) supportEditPage(c *fiber.Ctx) error {
	rs, err := s.org.SupportResources(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return s.render(c, "pages/support_edit", fiber.Map{
		"Title":          "Support resources",
		"Nav":            "support",
		"Resources":      rs,
		"DefaultSupport": toSupport(org.DefaultSupport),
		"Notice":         c.Query("notice"),
	})
}

func supportInput(c *fiber.Ctx) org.SupportInput {
	return org.SupportInput{Name: c.FormValue("name"), Description: c.FormValue("description"),
		Link: c.FormValue("link"), Phone: c.FormValue("phone")}
}

func (s *Server) supportAdd(c *fiber.Ctx) error {
	if _, err := s.org.AddSupportResource(c.UserContext(), actor(c), supportInput(c)); err != nil {
		return err
	}
	return c.Redirect("/admin/support?notice=added", fiber.StatusSeeOther)
}

func (s *Server) supportUpdate(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.org.UpdateSupportResource(c.UserContext(), actor(c), id, supportInput(c)); err != nil {
		return err
	}
	return c.Redirect("/admin/support?notice=saved", fiber.StatusSeeOther)
}

func (s *Server) supportDelete(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.org.DeleteSupportResource(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.Redirect("/admin/support?notice=deleted", fiber.StatusSeeOther)
}
