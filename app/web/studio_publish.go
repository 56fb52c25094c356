package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/upstand/upstand/app/authoring"
)

// Publishing: approve (when the organisation asks for review), publish as
// an immutable version with a note, unpublish; the history of versions
// with a line diff between any two; export as a file.

// studioPublish publishes the revision the trainer was looking at.
func (s *Server) studioPublish(c *fiber.Ctx) error {
	it, err := s.itemParams(c)
	if err != nil {
		return err
	}
	revision, _ := strconv.Atoi(c.FormValue("revision"))
	note := utils.CopyString(c.FormValue("note"))
	_, changed, err := s.studio.Publish(c.UserContext(), actor(c), it.Kind, it.ID, revision, note)
	if f, ok := studioErr(err); ok {
		return s.renderEditor(c, it, it.MainFile(), it.Files[it.MainFile()], it.Revision, nil,
			newFormErrors(formError{Field: "publish-note", Msg: f.Msg}))
	}
	if err != nil {
		return err
	}
	notice := "published"
	if !changed {
		notice = "unchanged"
	}
	return c.Redirect(studioURL(it.Kind, it.ID)+"?notice="+notice, fiber.StatusSeeOther)
}

// studioApprove records a second trainer's approval of a revision.
func (s *Server) studioApprove(c *fiber.Ctx) error {
	it, err := s.itemParams(c)
	if err != nil {
		return err
	}
	revision, _ := strconv.Atoi(c.FormValue("revision"))
	err = s.studio.Approve(c.UserContext(), actor(c), it.Kind, it.ID, revision)
	if f, ok := studioErr(err); ok {
		return s.renderEditor(c, it, it.MainFile(), it.Files[it.MainFile()], it.Revision, nil,
			newFormErrors(formError{Field: "approve", Msg: f.Msg}))
	}
	if err != nil {
		return err
	}
	return c.Redirect(studioURL(it.Kind, it.ID)+"?notice=approved", fiber.StatusSeeOther)
}

// studioUnpublish hides an item from new attempts.
func (s *Server) studioUnpublish(c *fiber.Ctx) error {
	it, err := s.itemParams(c)
	if err != nil {
		return err
	}
	err = s.studio.Unpublish(c.UserContext(), actor(c), it.Kind, it.ID)
	if f, ok := studioErr(err); ok {
		return s.renderEditor(c, it, it.MainFile(), it.Files[it.MainFile()], it.Revision, nil,
			newFormErrors(formError{Field: "unpublish", Msg: f.Msg}))
	}
	if err != nil {
		return err
	}
	return c.Redirect(studioURL(it.Kind, it.ID)+"?notice=unpublished", fiber.StatusSeeOther)
}

// studioHistory lists the published versions, and the line diff between
// two of them (or the draft) when ?from= and ?to= name them.
func (s *Server) studioHistory(c *fiber.Ctx) error {
	it, err := s.itemParams(c)
	if err != nil {
		return err
	}
	ctx, a := c.UserContext(), actor(c)
	versions, err := s.studio.History(ctx, a, it.Kind, it.ID)
	if err != nil {
		return err
	}
	names, err := s.org.People(ctx, a)
	if err != nil {
		return err
	}
	who := map[string]string{}
	for _, p := range names {
		who[p.ID.String()] = p.Name
	}
	from, to := c.Query("from"), c.Query("to")
	if from == "" && to == "" && len(versions) > 0 {
		from, to = versions[0].Version, authoring.Draft
	}
	var diff string
	if from != "" && to != "" {
		if diff, err = s.studio.Diff(ctx, a, it.Kind, it.ID, from, to); err != nil {
			return err
		}
	}
	return s.render(c, "pages/studio_history", fiber.Map{
		"Title":    "History of " + it.ID,
		"Tab":      "history",
		"Ed":       editorView{Item: it, Kind: c.Params("kind"), URL: studioURL(it.Kind, it.ID)},
		"Versions": versions,
		"Who":      who,
		"From":     from,
		"To":       to,
		"Diff":     diff,
	})
}

// studioExport downloads a scenario draft's file.
func (s *Server) studioExport(c *fiber.Ctx) error {
	it, err := s.itemParams(c)
	if err != nil {
		return err
	}
	if it.Kind != authoring.Scenario {
		return fiber.ErrNotFound
	}
	return sendYAML(c, it.ID, it.Files[it.MainFile()])
}
