package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/learning"
)

// certificatePage shows one of the learner's certificates, laid out to print
// on A4. Someone else's certificate is a 404.
func (s *Server) certificatePage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	cert, err := s.learn.Certificate(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return s.render(c, "pages/certificate", fiber.Map{
		"Title":     "Certificate: " + cert.ModuleTitle,
		"Cert":      cert,
		"VerifyURL": s.cfg.BaseURL.String() + "/verify/" + cert.Code,
		"InDate":    learning.InDate(cert.ExpiresAt, s.now()),
	})
}

// verifyForm lets anyone type a code from a certificate.
func (s *Server) verifyForm(c *fiber.Ctx) error {
	if code := strings.TrimSpace(c.Query("code")); code != "" {
		return c.Redirect("/verify/"+learning.NormalizeCode(code), fiber.StatusSeeOther)
	}
	return s.render(c, "pages/verify", fiber.Map{"Title": "Check a certificate"})
}

// verifyPage confirms a certificate to anyone holding its code, signed in or
// not: the name, the course and the dates, nothing else.
func (s *Server) verifyPage(c *fiber.Ctx) error {
	cert, err := s.learn.Verify(c.UserContext(), c.Params("code"))
	if errors.Is(err, learning.ErrNotFound) {
		c.Status(fiber.StatusNotFound)
		return s.render(c, "pages/verify", fiber.Map{"Title": "Certificate not found", "NotFound": true})
	}
	if err != nil {
		return err
	}
	// The code is in the URL, but the site-wide Referrer-Policy
	// (same-origin) already keeps it from other sites; no-referrer here
	// would make browsers send "Origin: null" with the page's forms (sign
	// out), which the same-origin check rightly refuses.
	return s.render(c, "pages/verify", fiber.Map{
		"Title":  "Certificate confirmed",
		"Cert":   cert,
		"InDate": learning.InDate(cert.ExpiresAt, s.now()),
	})
}
