package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/org"
)

// coverageRoster shows whether every team has an in-date trained
// responder, teams without one first (org admins: every team; managers:
// theirs; anyone else: 404, from the service).
func (s *Server) coverageRoster(c *fiber.Ctx) error {
	page, err := pageParam(c.Query("page"))
	if err != nil {
		return err
	}
	r, err := s.cover.Roster(c.UserContext(), actor(c), page)
	if err != nil {
		return err
	}
	// The table of every team is paged, RosterTeamsPerPage a page; the
	// teams without cover and those lapsing soon are all listed above it.
	shown := r.Shown()
	first := (r.Page - 1) * org.RosterTeamsPerPage
	// The lists above the table, taken out here rather than by ranging
	// over every team in the template (twice, through reflection).
	var flagged, lapsing []org.RosterTeam
	for _, t := range r.Teams {
		switch {
		case !t.Covered:
			flagged = append(flagged, t)
		case t.LapsingSoon:
			lapsing = append(lapsing, t)
		}
	}
	return s.render(c, "pages/coverage_roster", fiber.Map{
		"Title":   "Responder roster",
		"Nav":     "roster",
		"Roster":  r,
		"Flagged": flagged,
		"Lapsing": lapsing,
		// The table's rows, written in Go.
		"RosterRows": rosterRowsHTML(shown),
		"FirstTeam":  first + 1,
		"LastTeam":   first + len(shown),
		"Pager":      pager("Pages of teams", "/coverage/roster", "", r.Page, r.Pages),
		"PagerEnd":   pager("Pages of teams, after the table", "/coverage/roster", "", r.Page, r.Pages),
	})
}
