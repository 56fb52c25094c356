package web

import "github.com/gofiber/fiber/v2"

// adminReminders lists the organisation's reminders, newest first: sent
// ones, and, when no SMTP server is configured, the ones to pass on.
func (s *Server) adminReminders(c *fiber.Ctx) error {
	list, err := s.remind.Listed(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return s.render(c, "pages/admin_reminders", fiber.Map{"Title": "Reminders", "Nav": "reminders", "List": list})
}
