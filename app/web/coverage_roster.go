package web

import (
	"github.com/gofiber/fiber/v2"
)

// coverageRoster shows whether every team has an in-date trained
// responder, teams without one first (org admins: every team; managers:
// theirs; anyone else: 404, from the service).
func (s *Server) coverageRoster(c *fiber.Ctx) error {
	r, err := s.cover.Roster(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return s.render(c, "pages/coverage_roster", fiber.Map{
		"Title":  "Responder roster",
		"Nav":    "roster",
		"Roster": r,
		// The table's rows, written in Go: hundreds of teams.
		"RosterRows": rosterRowsHTML(r.Teams),
	})
}
