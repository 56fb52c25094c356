package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/config"
)

// demoMode reports whether demo links work: the server runs with --demo,
// and its base URL is this machine (config refuses --demo otherwise; this
// holds even for a Config built by hand).
func (s *Server) demoMode() bool {
	return s.cfg.Demo && s.cfg.BaseURL != nil && config.IsLoopback(s.cfg.BaseURL.Hostname())
}

// demoPage shows whom a demo link signs in as, and the button that does
// it. Opening the link changes nothing: a link preview or a prefetch
// cannot use it up.
func (s *Server) demoPage(c *fiber.Ctx) error {
	p, err := s.auth.OpenDemoLink(c.UserContext(), c.Params("token"))
	if errors.Is(err, auth.ErrDemoLinkInvalid) {
		return s.demoInvalid(c)
	}
	if err != nil {
		return err
	}
	return s.render(c, "pages/demo", fiber.Map{
		"Title":  "Try Upstand as " + p.Name,
		"Person": p,
		"Token":  c.Params("token"),
	})
}

// demoSignIn uses the demo link up and signs in on a fresh demo session.
func (s *Server) demoSignIn(c *fiber.Ctx) error {
	p, err := s.auth.UseDemoLink(c.UserContext(), utils.CopyString(c.Params("token")), c.IP())
	if errors.Is(err, auth.ErrDemoLinkInvalid) {
		return s.demoInvalid(c)
	}
	if err != nil {
		return err
	}
	if err := s.signInDemo(c, p); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// demoInvalid answers a demo link that is unknown, used or expired.
func (s *Server) demoInvalid(c *fiber.Ctx) error {
	c.Status(fiber.StatusNotFound)
	return s.render(c, "pages/demo_invalid", fiber.Map{"Title": "This demo link cannot be used"})
}
