package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/fault"
)

// The trainer's studio (docs/authoring.md): the organisation's own
// scenarios and courses, the library to copy from, and the import of Twine
// stories. Every route is for trainers only; anyone else gets a 404.

// requireTrainer lets trainers through; everyone else gets a 404.
func (s *Server) requireTrainer(c *fiber.Ctx) error {
	if p, ok := signedIn(c); ok && p.IsTrainer {
		return c.Next()
	}
	return fiber.ErrNotFound
}

// kindParam is the :kind route parameter as a kind of content: "scenarios"
// or "modules"; anything else is a 404.
func kindParam(c *fiber.Ctx) (string, error) {
	switch c.Params("kind") {
	case "scenarios":
		return authoring.Scenario, nil
	case "modules":
		return authoring.Module, nil
	}
	return "", fiber.ErrNotFound
}

// studioURL is an item's page in the studio.
func studioURL(kind, id string) string {
	if kind == authoring.Scenario {
		return "/studio/scenarios/" + id
	}
	return "/studio/modules/" + id
}

// studioHome lists the organisation's scenarios and courses, and offers
// new ones: blank, copied from the library, or imported from Twine.
func (s *Server) studioHome(c *fiber.Ctx) error {
	return s.renderStudioHome(c, studioForm{}, nil)
}

type studioForm struct {
	Kind, ID, Title, From string
	// Form names the form the values and errors belong to: new, copy, import.
	Form string
}

func (s *Server) renderStudioHome(c *fiber.Ctx, form studioForm, errs *formErrors) error {
	ctx, a := c.UserContext(), actor(c)
	scenarios, err := s.studio.List(ctx, a, authoring.Scenario)
	if err != nil {
		return err
	}
	modules, err := s.studio.List(ctx, a, authoring.Module)
	if err != nil {
		return err
	}
	organisation, err := s.org.Organisation(ctx, a)
	if err != nil {
		return err
	}
	if errs != nil {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.render(c, "pages/studio", fiber.Map{
		"Title":          "Studio",
		"Scenarios":      scenarios,
		"Modules":        modules,
		"Library":        s.studio.Library(),
		"Form":           form,
		"Errors":         errs,
		"ReviewRequired": organisation.ReviewRequired,
		"Notice":         c.Query("notice"),
	})
}

// studioCreate starts a new scenario or course from the template.
func (s *Server) studioCreate(c *fiber.Ctx) error {
	form := studioForm{Form: "new", Kind: utils.CopyString(c.FormValue("kind")),
		ID: strings.TrimSpace(utils.CopyString(c.FormValue("id"))), Title: utils.CopyString(c.FormValue("title"))}
	kind := authoring.Scenario
	if form.Kind == authoring.Module {
		kind = authoring.Module
	}
	_, err := s.studio.Create(c.UserContext(), actor(c), kind, form.ID, form.Title)
	if f, ok := asInputError(err); ok {
		return s.renderStudioHome(c, form, newFormErrors(formError{Field: fieldID("new-", f), Msg: f.Msg}))
	}
	if err != nil {
		return err
	}
	return c.Redirect(studioURL(kind, form.ID)+"?notice=created", fiber.StatusSeeOther)
}

// studioCopy starts a draft from a library scenario or course.
func (s *Server) studioCopy(c *fiber.Ctx) error {
	form := studioForm{Form: "copy", From: utils.CopyString(c.FormValue("from")),
		ID: strings.TrimSpace(utils.CopyString(c.FormValue("id")))}
	kind, from, ok := strings.Cut(form.From, ":")
	if !ok || (kind != authoring.Scenario && kind != authoring.Module) {
		return s.renderStudioHome(c, form, newFormErrors(formError{Field: "copy-from", Msg: "Choose what to copy."}))
	}
	_, err := s.studio.Copy(c.UserContext(), actor(c), kind, from, form.ID)
	if errors.Is(err, authoring.ErrNotFound) {
		return s.renderStudioHome(c, form, newFormErrors(formError{Field: "copy-from", Msg: "Choose what to copy."}))
	}
	if f, ok := asInputError(err); ok {
		return s.renderStudioHome(c, form, newFormErrors(formError{Field: fieldID("copy-", f), Msg: f.Msg}))
	}
	if err != nil {
		return err
	}
	return c.Redirect(studioURL(kind, form.ID)+"?notice=copied", fiber.StatusSeeOther)
}

// studioReview turns the review step on or off (org admins only).
func (s *Server) studioReview(c *fiber.Ctx) error {
	if err := s.studio.SetReview(c.UserContext(), actor(c), c.FormValue("required") == "on"); err != nil {
		return err
	}
	return c.Redirect("/studio?notice=review", fiber.StatusSeeOther)
}

// studioLibraryExport downloads a library scenario's file as it is written.
func (s *Server) studioLibraryExport(c *fiber.Ctx) error {
	files, err := s.studio.LibraryFiles(authoring.Scenario, c.Params("id"))
	if err != nil {
		return err
	}
	id := c.Params("id")
	return sendYAML(c, id, files[id+".yaml"])
}

// sendYAML answers with a scenario file as a download, kept out of
// caches as every signed-in page is (a draft is the organisation's own).
func sendYAML(c *fiber.Ctx, id, text string) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "application/yaml; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+id+`.yaml"`)
	return c.SendString(text)
}

// studioErr is a fault the studio's pages show in place (a conflict or an
// invalid value), as opposed to one the error page answers.
func studioErr(err error) (*fault.Error, bool) {
	f, ok := fault.As(err)
	if !ok || (f.Kind != fault.Invalid && f.Kind != fault.Conflict) {
		return nil, false
	}
	return f, true
}
