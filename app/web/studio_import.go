package web

import (
	"errors"
	"io"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/twine"
)

// studioImport turns an uploaded Twine story into a scenario draft and
// shows it in the editor with the importer's notes. Nothing is saved when
// the file is not a Twine story, is too big, or the id is taken.
func (s *Server) studioImport(c *fiber.Ctx) error {
	form := studioForm{Form: "import", ID: strings.TrimSpace(utils.CopyString(c.FormValue("id")))}
	refuse := func(field, msg string) error {
		return s.renderStudioHome(c, form, newFormErrors(formError{Field: field, Msg: msg}))
	}
	fh, err := c.FormFile("story")
	if err != nil {
		return refuse("import-story", "Choose a Twine story file to import: Twee (.twee, .tw) or the HTML file Twine publishes (.html).")
	}
	name := path.Base(strings.ReplaceAll(fh.Filename, `\`, "/"))
	switch strings.ToLower(path.Ext(name)) {
	case ".twee", ".tw", ".html", ".htm":
	default:
		return refuse("import-story", "Upstand imports Twee files (.twee, .tw) and the HTML file Twine publishes (.html); "+name+" is neither.")
	}
	if fh.Size > twine.MaxInputBytes {
		return refuse("import-story", name+" is too big to import: the limit is 5 MiB.")
	}
	f, err := fh.Open()
	if err != nil {
		return refuse("import-story", "The upload could not be read; try again.")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, twine.MaxInputBytes+1))
	if err != nil {
		return refuse("import-story", "The upload could not be read; try again.")
	}
	res, err := twine.Import(name, data)
	if errors.Is(err, twine.ErrNotTwine) || errors.Is(err, twine.ErrTooLarge) {
		return refuse("import-story", err.Error())
	}
	if err != nil {
		return err
	}
	id := form.ID
	if id == "" {
		id = res.ID
	}
	if _, err := s.studio.Import(c.UserContext(), actor(c), res.ID, id, res.YAML, name); err != nil {
		if f, ok := asInputError(err); ok {
			form.ID = id
			return refuse(fieldID("import-", f), f.Msg)
		}
		return err
	}
	it, err := s.studio.Get(c.UserContext(), actor(c), authoring.Scenario, id)
	if err != nil {
		return err
	}
	warnings := make([]string, len(res.Warnings))
	for i, w := range res.Warnings {
		warnings[i] = w.String()
	}
	c.Locals("studioWarnings", warnings)
	return s.renderEditor(c, it, it.MainFile(), it.Files[it.MainFile()], it.Revision, nil, nil)
}
