package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// Teams and job labels have the same shape, so one set of handlers serves
// both, told apart by the store.GroupKind they are built with.

// groupPage describes a kind of group for its pages.
type groupPage struct {
	Kind   store.GroupKind
	Path   string // "/admin/teams"
	Plural string // "Teams"
	Intro  string
}

func groupPageOf(k store.GroupKind) groupPage {
	if k == store.Labels {
		return groupPage{Kind: k, Path: "/admin/labels", Plural: "Labels",
			Intro: "Job labels say what people do, such as \"line manager\" or \"responder\". Training requirements can be set for a label."}
	}
	return groupPage{Kind: k, Path: "/admin/teams", Plural: "Teams",
		Intro: "Teams are where people work. Reports show completion by team."}
}

// groupState is what was typed into the page's forms when one of them is
// shown again with a problem.
type groupState struct {
	NewName    string
	RenameID   uuid.UUID
	RenameName string
}

func (s *Server) adminGroups(k store.GroupKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.renderGroups(c, k, groupState{}, nil)
	}
}

// groupRow is a team or label in the list, with what its rename field
// shows: its name, or what was typed if that rename was refused.
type groupRow struct {
	store.Group
	Value, Error string
}

func (s *Server) renderGroups(c *fiber.Ctx, k store.GroupKind, state groupState, errs *formErrors) error {
	groups, err := s.org.Groups(c.UserContext(), actor(c), k)
	if err != nil {
		return err
	}
	rows := make([]groupRow, len(groups))
	for i, g := range groups {
		rows[i] = groupRow{Group: g, Value: g.Name}
		if g.ID == state.RenameID && errs != nil {
			rows[i].Value, rows[i].Error = state.RenameName, errs.ByField["rename-"+g.ID.String()]
		}
	}
	page := groupPageOf(k)
	if errs != nil {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.render(c, "pages/admin_groups", fiber.Map{
		"Title":  page.Plural,
		"Nav":    strings.ToLower(page.Plural),
		"Page":   page,
		"Groups": rows,
		"State":  state,
		"Errors": errs,
		"Notice": c.Query("notice"),
	})
}

func (s *Server) adminGroupCreate(k store.GroupKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		name := utils.CopyString(c.FormValue("name"))
		_, err := s.org.CreateGroup(c.UserContext(), actor(c), k, name)
		if in, ok := asInputError(err); ok {
			return s.renderGroups(c, k, groupState{NewName: name}, newFormErrors(formError{Field: "new-name", Msg: in.Msg}))
		}
		if err != nil {
			return err
		}
		return c.Redirect(groupPageOf(k).Path+"?notice=created", fiber.StatusSeeOther)
	}
}

// groupOf loads the team or label named by :id from the admin's own
// organisation; anything else is a 404.
func (s *Server) groupOf(c *fiber.Ctx, k store.GroupKind) (store.Group, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return store.Group{}, err
	}
	g, err := s.org.Group(c.UserContext(), actor(c), k, id)
	return g, err
}

func (s *Server) adminGroupRename(k store.GroupKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		g, err := s.groupOf(c, k)
		if err != nil {
			return err
		}
		name := utils.CopyString(c.FormValue("name"))
		err = s.org.RenameGroup(c.UserContext(), actor(c), k, g.ID, name)
		if in, ok := asInputError(err); ok {
			return s.renderGroups(c, k, groupState{RenameID: g.ID, RenameName: name},
				newFormErrors(formError{Field: "rename-" + g.ID.String(), Msg: in.Msg}))
		}
		if err != nil {
			return err
		}
		return c.Redirect(groupPageOf(k).Path+"?notice=renamed", fiber.StatusSeeOther)
	}
}

// adminGroupConfirmDelete asks before deleting: a GET never changes
// anything, and deleting takes the group off everyone in it.
func (s *Server) adminGroupConfirmDelete(k store.GroupKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		g, err := s.groupOf(c, k)
		if err != nil {
			return err
		}
		groups, err := s.org.Groups(c.UserContext(), actor(c), k)
		if err != nil {
			return err
		}
		for _, other := range groups {
			if other.ID == g.ID {
				g.Members = other.Members
			}
		}
		page := groupPageOf(k)
		return s.render(c, "pages/admin_group_delete", fiber.Map{
			"Title": "Delete " + k.Noun + " " + g.Name,
			"Nav":   strings.ToLower(page.Plural),
			"Page":  page,
			"Group": g,
		})
	}
}

func (s *Server) adminGroupDelete(k store.GroupKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		g, err := s.groupOf(c, k)
		if err != nil {
			return err
		}
		if err := s.org.DeleteGroup(c.UserContext(), actor(c), k, g.ID); err != nil {
			return err
		}
		return c.Redirect(groupPageOf(k).Path+"?notice=deleted", fiber.StatusSeeOther)
	}
}
