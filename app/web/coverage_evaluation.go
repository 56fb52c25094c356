package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/org"
)

// coverageEvaluation shows each course's confidence before and after and
// how its scenarios ended, every figure floored at org.Floor people (org
// admins: the whole organisation; managers: their teams' people; anyone
// else: 404, from the service).
func (s *Server) coverageEvaluation(c *fiber.Ctx) error {
	e, err := s.cover.Evaluation(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return s.render(c, "pages/coverage_evaluation", fiber.Map{
		"Title": "Evaluation",
		"Nav":   "evaluation",
		"Eval":  e,
		"Floor": org.Floor,
	})
}
