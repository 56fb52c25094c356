package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/upstand/upstand/app/auth"
)

func (s *Server) signinPage(c *fiber.Ctx) error {
	if _, ok := signedIn(c); ok {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return s.render(c, "pages/signin", fiber.Map{"Title": "Sign in", "SignedOut": c.Query("signed_out")})
}

// signinBegin starts a discoverable passkey sign-in and returns the options
// for navigator.credentials.get.
func (s *Server) signinBegin(c *fiber.Ctx) error {
	cer, err := s.auth.BeginSignIn(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(cer)
}

// signinFinish checks the browser's assertion and starts a session.
func (s *Server) signinFinish(c *fiber.Ctx) error {
	p, err := s.auth.FinishSignIn(c.UserContext(), utils.CopyString(c.Query("ceremony")), c.Body(), c.IP())
	if errors.Is(err, auth.ErrSignInFailed) {
		return fiber.NewError(fiber.StatusUnauthorized, "That passkey could not sign you in. If you have lost your passkeys, ask your organisation's administrator for a new enrolment link.")
	}
	if err != nil {
		return err
	}
	if err := s.signIn(c, p); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"redirect": "/"})
}

// signout ends this browser's session.
func (s *Server) signout(c *fiber.Ctx) error {
	if err := s.auth.EndSession(c.UserContext(), c.Locals(tokenKey).(string), me(c), c.IP()); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	if err := s.issueCSRF(c, ""); err != nil {
		return err
	}
	return c.Redirect("/signin?signed_out=1", fiber.StatusSeeOther)
}
