package web

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/content"
)

// The editor: one file of a draft in a text area (CodeMirror when
// JavaScript runs), its problems beside it, and the publishing controls.
// Without JavaScript, save and see the problems; with it, they are checked
// as you type (studioCheck).

// editorView is what the editor page shows.
type editorView struct {
	Item     authoring.Item
	Kind     string // "scenarios" or "modules", as in URLs
	URL      string
	File     string
	Source   string
	Revision int
	// Problems are the file's; Others, the rest of the draft's.
	Problems, Others []content.Error
	Lines            []string
	NodeLines        string // JSON: node id -> line, for links from the graph
	// Conflict, when a save was refused: the other person's text and the
	// difference from this person's.
	Conflict *editConflict
	Approved bool
	Review   bool
}

type editConflict struct {
	Theirs string
	Diff   string
}

// itemParams reads :kind and :id and loads the draft.
func (s *Server) itemParams(c *fiber.Ctx) (authoring.Item, error) {
	kind, err := kindParam(c)
	if err != nil {
		return authoring.Item{}, err
	}
	return s.studio.Get(c.UserContext(), actor(c), kind, c.Params("id"))
}

// fileParam is the file of the draft the request is about: ?file= or the
// form's file field, else the main file. A file the draft does not have is
// a 404.
func fileParam(c *fiber.Ctx, it authoring.Item) (string, error) {
	name := utils.CopyString(c.FormValue("file", c.Query("file")))
	if name == "" {
		name = it.MainFile()
	}
	if _, ok := it.Files[name]; !ok {
		return "", fiber.ErrNotFound
	}
	return name, nil
}

// studioEditor shows the editor for one file of a draft.
func (s *Server) studioEditor(c *fiber.Ctx) error {
	it, err := s.itemParams(c)
	if err != nil {
		return err
	}
	file, err := fileParam(c, it)
	if err != nil {
		return err
	}
	return s.renderEditor(c, it, file, it.Files[file], it.Revision, nil, nil)
}

func (s *Server) renderEditor(c *fiber.Ctx, it authoring.Item, file, source string, revision int, conflict *editConflict, errs *formErrors) error {
	organisation, err := s.org.Organisation(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	v := editorView{Item: it, Kind: c.Params("kind"), URL: studioURL(it.Kind, it.ID), File: file, Source: source,
		Revision: revision, Conflict: conflict, Review: organisation.ReviewRequired,
		Approved: it.ApprovedRevision == it.Revision}
	p := it.Path(file)
	for _, e := range it.Problems {
		if e.Path == p {
			v.Problems = append(v.Problems, e)
		} else {
			v.Others = append(v.Others, e)
		}
	}
	v.Lines = strings.Split(strings.TrimSuffix(source, "\n"), "\n")
	if it.Kind == authoring.Scenario {
		lines, _ := json.Marshal(nodeLines(source))
		v.NodeLines = string(lines)
	}
	if conflict != nil {
		c.Status(fiber.StatusConflict)
	} else if errs != nil {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	// CodeMirror puts its styles in a <style> element: this page's policy
	// allows that one, by a nonce, and nothing else inline.
	nonce := rand.Text()
	c.Set(fiber.HeaderContentSecurityPolicy, strings.Replace(contentSecurityPolicy,
		"style-src 'self'", "style-src 'self' 'nonce-"+nonce+"'", 1))
	return s.render(c, "pages/studio_editor", fiber.Map{
		"Nonce":    nonce,
		"Warnings": c.Locals("studioWarnings"),
		"Title":    "Edit " + it.ID,
		"Tab":      "editor",
		"Ed":       v,
		"Errors":   errs,
		"Notice":   c.Query("notice"),
	})
}

// nodeHeader is a node's key line under nodes: in a scenario file written
// in the usual two-space indentation.
var nodeHeader = regexp.MustCompile(`^  ([a-z0-9]+(?:-[a-z0-9]+)*):\s*(#.*)?$`)

// nodeLines finds where each node starts in a scenario file, so links from
// the graph can jump there. It reads the layout only (a file indented
// otherwise just gets no jumps).
func nodeLines(source string) map[string]int {
	out := map[string]int{}
	inNodes := false
	for i, line := range strings.Split(source, "\n") {
		switch {
		case strings.HasPrefix(line, "nodes:"):
			inNodes = true
		case line != "" && line[0] != ' ' && line[0] != '#':
			inNodes = false
		case inNodes:
			if m := nodeHeader.FindStringSubmatch(line); m != nil {
				out[m[1]] = i + 1
			}
		}
	}
	return out
}

// studioSave saves one file of a draft as its next revision. Problems do
// not stop a save; a draft someone else saved meanwhile does: the editor
// comes back with this person's text, the other text and the difference.
func (s *Server) studioSave(c *fiber.Ctx) error {
	it, err := s.itemParams(c)
	if err != nil {
		return err
	}
	file, err := fileParam(c, it)
	if err != nil {
		return err
	}
	source := normalise(utils.CopyString(c.FormValue("source")))
	revision, _ := strconv.Atoi(c.FormValue("revision"))
	files := make(map[string]string, len(it.Files))
	for k, v := range it.Files {
		files[k] = v
	}
	files[file] = source
	_, err = s.studio.Save(c.UserContext(), actor(c), it.Kind, it.ID, revision, files)
	if errors.Is(err, authoring.ErrStale) {
		mine := map[string]string{file: source}
		theirs := map[string]string{file: it.Files[file]}
		diff := authoring.DiffFiles(it.Kind, it.ID, "saved by someone else", "yours", theirs, mine)
		return s.renderEditor(c, it, file, source, it.Revision, &editConflict{Theirs: it.Files[file], Diff: diff}, nil)
	}
	if f, ok := asInputError(err); ok {
		return s.renderEditor(c, it, file, source, revision, nil, newFormErrors(formError{Field: "source", Msg: f.Msg}))
	}
	if err != nil {
		return err
	}
	return c.Redirect(editorURL(it, file)+"notice=saved", fiber.StatusSeeOther)
}

// editorURL is the editor of one file, ready for a query parameter.
func editorURL(it authoring.Item, file string) string {
	u := studioURL(it.Kind, it.ID)
	if file != it.MainFile() {
		return u + "?file=" + file + "&"
	}
	return u + "?"
}

// normalise gives text from a text area the line endings files have.
func normalise(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// checkedProblem is one problem as the editor's script receives it.
type checkedProblem struct {
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Rule    string `json:"rule"`
	Where   string `json:"where"`
	Message string `json:"message"`
	Text    string `json:"text"`
}

// studioCheck runs the rules over the text being edited, saving nothing,
// and answers the file's problems as JSON.
func (s *Server) studioCheck(c *fiber.Ctx) error {
	it, err := s.itemParams(c)
	if err != nil {
		return err
	}
	file, err := fileParam(c, it)
	if err != nil {
		return err
	}
	files := make(map[string]string, len(it.Files))
	for k, v := range it.Files {
		files[k] = v
	}
	files[file] = normalise(string(c.Request().PostArgs().Peek("source")))
	checked, err := s.studio.Check(c.UserContext(), actor(c), it.Kind, it.ID, files)
	if err != nil {
		return err
	}
	out := struct {
		Errors []checkedProblem `json:"errors"`
	}{Errors: []checkedProblem{}}
	p := it.Path(file)
	for _, e := range checked.Problems {
		if e.Path == p {
			out.Errors = append(out.Errors, checkedProblem{Line: e.Line, Col: e.Col, Rule: e.Rule, Where: e.Where, Message: e.Msg, Text: problemText(e)})
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// studioAddFile adds a lesson file to a course's draft.
func (s *Server) studioAddFile(c *fiber.Ctx) error {
	it, err := s.itemParams(c)
	if err != nil {
		return err
	}
	if it.Kind != authoring.Module {
		return fiber.ErrNotFound
	}
	name := strings.TrimSpace(utils.CopyString(c.FormValue("name")))
	if !strings.HasSuffix(name, ".md") {
		name += ".md"
	}
	revision, _ := strconv.Atoi(c.FormValue("revision"))
	files := make(map[string]string, len(it.Files)+1)
	for k, v := range it.Files {
		files[k] = v
	}
	if _, dup := files[name]; !dup {
		files[name] = "---\ntitle: \"New lesson\"\n---\n\nWrite the lesson here, in Markdown. Add it to the steps in module.yaml.\n"
	}
	_, err = s.studio.Save(c.UserContext(), actor(c), it.Kind, it.ID, revision, files)
	if errors.Is(err, authoring.ErrStale) {
		return err
	}
	if f, ok := asInputError(err); ok {
		return s.renderEditor(c, it, it.MainFile(), it.Files[it.MainFile()], it.Revision, nil,
			newFormErrors(formError{Field: "new-file", Msg: "Name the lesson like 02-next-steps.md: lower-case letters, digits and hyphens. " + f.Msg}))
	}
	if err != nil {
		return err
	}
	return c.Redirect(editorURL(it, name)+"notice=added", fiber.StatusSeeOther)
}

// problemText is a problem as the editor lists it beside its line: the
// rule's one line without the file and position, which the list gives.
func problemText(e content.Error) string {
	if e.Where == "" {
		return e.Rule + " " + e.Msg
	}
	return e.Where + ": " + e.Rule + " " + e.Msg
}
