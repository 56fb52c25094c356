package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/upstand/upstand/app/auth"
)

// enrolPage shows an enrolment link's welcome and the button that creates
// the person's passkey.
func (s *Server) enrolPage(c *fiber.Ctx) error {
	e, err := s.auth.OpenEnrolment(c.UserContext(), c.Params("token"))
	if errors.Is(err, auth.ErrLinkInvalid) {
		c.Status(fiber.StatusNotFound)
		return s.render(c, "pages/enrol_invalid", fiber.Map{"Title": "This link cannot be used"})
	}
	if err != nil {
		return err
	}
	// The token is in the URL, but the site-wide Referrer-Policy
	// (same-origin) already keeps it from other sites. no-referrer here
	// would break enrolling over https: the page's POSTs would carry no
	// Referer, and Fiber's CSRF check refuses those (the access log
	// redacts the token from our own lines).
	return s.render(c, "pages/enrol", fiber.Map{
		"Title":   "Set up your passkey",
		"Person":  e.Person,
		"Token":   c.Params("token"),
		"Reenrol": e.Person.Passkeys > 0,
	})
}

func (s *Server) enrolBegin(c *fiber.Ctx) error {
	cer, err := s.auth.BeginEnrol(c.UserContext(), utils.CopyString(c.Params("token")))
	if err != nil {
		return err
	}
	return c.JSON(cer)
}

func (s *Server) enrolFinish(c *fiber.Ctx) error {
	p, err := s.auth.FinishEnrol(c.UserContext(), utils.CopyString(c.Params("token")),
		utils.CopyString(c.Query("ceremony")), c.Body(), utils.CopyString(c.Query("name")), c.IP())
	if err != nil {
		return err
	}
	if err := s.signIn(c, p); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"redirect": "/account?welcome=1"})
}
