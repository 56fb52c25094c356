package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
)

// A team's page: its members, and which of them manage it. A manager sees
// the team's coverage (statuses and dates) on the coverage pages.

func (s *Server) adminTeam(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	page, err := s.cover.Team(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	var managers int
	for _, m := range page.Members {
		if m.IsManager {
			managers++
		}
	}
	return s.render(c, "pages/admin_team", fiber.Map{
		"Title":    page.Team.Name,
		"Nav":      "teams",
		"Team":     page.Team,
		"Members":  page.Members,
		"Managers": managers,
		"Notice":   c.Query("notice"),
		"Who":      memberName(page.Members, c.Query("who")),
	})
}

// adminTeamManager makes a member of the team its manager (manager=on) or
// not (manager=off), audited. Someone not in the team is a 404.
func (s *Server) adminTeamManager(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	person, err := uuid.Parse(c.FormValue("person"))
	if err != nil {
		return fault.Input("person", "Choose a member of the team.")
	}
	var on bool
	switch c.FormValue("manager") {
	case "on":
		on = true
	case "off":
	default:
		return fault.Input("manager", "Say whether they manage the team: manager=on or manager=off.")
	}
	err = s.cover.SetManager(c.UserContext(), actor(c), id, person, on)
	if err != nil {
		return err
	}
	notice := "manager-on"
	if !on {
		notice = "manager-off"
	}
	return c.Redirect("/admin/teams/"+id.String()+"?notice="+notice+"&who="+person.String(), fiber.StatusSeeOther)
}

// memberName is the name of the team member with id ("" when none).
func memberName(ms []store.TeamMember, id string) string {
	for _, m := range ms {
		if m.PersonID.String() == id {
			return m.Name
		}
	}
	return ""
}
