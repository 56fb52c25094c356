package web

import "github.com/gofiber/fiber/v2"

func (s *Server) home(c *fiber.Ctx) error {
	return s.render(c, "pages/home", fiber.Map{"Title": "Practise the conversations that matter"})
}
