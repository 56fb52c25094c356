package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/learning"
)

// cataloguePage is a signed-in learner's home: every course with their
// status and progress, filterable by audience. Until the organisation sets
// required courses (the coverage issue), every course is optional, and the
// page says so.
func (s *Server) cataloguePage(c *fiber.Ctx) error {
	audience := c.Query("audience")
	if audience != "" && !slices.Contains(learning.Audiences, audience) {
		audience = ""
	}
	cards, err := s.learn.Catalogue(c.UserContext(), actor(c), audience)
	if err != nil {
		return err
	}
	var inProgress, rest []learning.Card
	for _, card := range cards {
		if card.Status == learning.StatusInProgress || card.Status == learning.StatusOverdue || card.Status == learning.StatusDueSoon {
			inProgress = append(inProgress, card)
		} else {
			rest = append(rest, card)
		}
	}
	var paused string
	if id := c.Query("break"); id != "" {
		if m, ok, err := s.servedModule(c, id); err != nil {
			return err
		} else if ok {
			paused = m.Title
		}
	}
	return s.render(c, "pages/catalogue", fiber.Map{
		"Title":     "Your courses",
		"Current":   inProgress,
		"Library":   rest,
		"Count":     len(cards),
		"Audience":  audience,
		"Audiences": learning.Audiences,
		"Paused":    paused,
	})
}
