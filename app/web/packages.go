package web

import (
	"github.com/gofiber/fiber/v2"
)

// Packages for another learning management system (docs/lms.md,
// "Downloads from the web"): trainers and org admins download their
// organisation's published courses and the library's as SCORM 1.2
// packages. lms.Downloads decides who may have what; everyone else, an
// unknown format and a module that is not theirs to download get the
// not-found page.

// packagesPage lists the courses the signed-in person may download, with a
// link per format.
func (s *Server) packagesPage(c *fiber.Ctx) error {
	offer, err := s.packages.Offer(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return s.render(c, "pages/packages", fiber.Map{
		"Title": "Courses for your LMS",
		"Offer": offer,
	})
}

// packageDownload sends one course as a package in the :format asked for,
// streamed as it is zipped.
func (s *Server) packageDownload(c *fiber.Ctx) error {
	p, err := s.packages.Package(c.UserContext(), actor(c), c.Params("format"), c.Params("module"))
	if err != nil {
		return err
	}
	c.Set("X-Upstand-Module-Version", p.Module.Version)
	return s.sendStream(c, "application/zip", p.Filename, p.Write)
}
