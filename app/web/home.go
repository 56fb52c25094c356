package web

import "github.com/gofiber/fiber/v2"

func (s *Server) home(c *fiber.Ctx) error {
	// A signed-in learner's home is their catalogue.
	if _, ok := signedIn(c); ok && s.learn != nil {
		return s.cataloguePage(c)
	}
	return s.render(c, "pages/home", fiber.Map{"Title": "Practise the conversations that matter"})
}
