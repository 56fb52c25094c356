package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/authoring"
)

// studioAnalytics shows how the organisation's learners chose in one
// version of a scenario (its own or the library's): every figure a count
// of distinct learners, anything resting on fewer than authoring.Floor
// shown as "fewer than 5", nobody named. ?version= picks the version; the
// newest is the default.
func (s *Server) studioAnalytics(c *fiber.Ctx) error {
	a := actor(c)
	id := c.Params("id")
	versions, err := s.studio.ScenarioVersions(c.UserContext(), a, id)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		return fiber.ErrNotFound
	}
	sc := versions[0]
	if v := c.Query("version"); v != "" {
		sc = nil
		for _, candidate := range versions {
			if candidate.Version == v {
				sc = candidate
			}
		}
		if sc == nil {
			return fiber.ErrNotFound
		}
	}
	an, err := s.studio.Analyse(c.UserContext(), a, sc, 5)
	if err != nil {
		return err
	}
	_, library := s.studio.Library().Scenario(id)
	return s.render(c, "pages/studio_analytics", fiber.Map{
		"Title":    "How learners chose: " + sc.Title,
		"An":       an,
		"Versions": versions,
		"Library":  library,
		"EditURL":  studioURL(authoring.Scenario, id),
		"Floor":    authoring.Floor,
	})
}
