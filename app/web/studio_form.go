package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/content"
)

// The form view of a scenario draft: its nodes and choices listed, with
// plain forms for the common edits (add a node, add a choice, set a
// choice's goto, feedback or score). Each edit changes the stored YAML
// (authoring.ApplyEdit) and saves it as the text editor does, so the text
// view then shows exactly what the form wrote.

// formView is what the form view page shows.
type formView struct {
	Outline *authoring.Outline
	// Unreadable says why the file cannot be listed (it does not parse).
	Unreadable string
	// Nodes are the node ids, in file order, for the goto lists; Open,
	// those that take choices (not endings).
	Nodes, Open []string
	Endings     []string
	// Competencies are those a score may use: the vocabulary's, then any
	// the scenario declares besides.
	Competencies []formCompetency
	// Selected is the choice being changed, if any.
	Selected *selectedChoice
	// Values are the fields of a refused edit, shown again.
	Values    authoring.Edit
	Problems  content.Errors
	Revision  int
	MaxLength int
}

type formCompetency struct{ Key, Label string }

type selectedChoice struct {
	Node   string
	Number int
	authoring.OutlineChoice
}

// studioForm shows the form view; ?node=&choice= opens one choice's edits.
func (s *Server) studioForm(c *fiber.Ctx) error {
	it, err := s.formItem(c)
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(c.Query("choice"))
	return s.renderForm(c, it, utils.CopyString(c.Query("node")), n, authoring.Edit{}, nil, 0)
}

// formItem loads the scenario draft of the form view; a course has none.
func (s *Server) formItem(c *fiber.Ctx) (authoring.Item, error) {
	it, err := s.itemParams(c)
	if err != nil {
		return it, err
	}
	if it.Kind != authoring.Scenario {
		return it, fiber.ErrNotFound
	}
	return it, nil
}

func (s *Server) renderForm(c *fiber.Ctx, it authoring.Item, node string, choice int, values authoring.Edit, errs *formErrors, status int) error {
	v := formView{Values: values, Problems: it.Problems, Revision: it.Revision, Endings: authoring.Endings,
		MaxLength: content.MaxTextRunes}
	outline, err := authoring.ReadOutline(it.Files[it.MainFile()])
	if f, ok := asInputError(err); ok {
		v.Unreadable = f.Msg
	} else if err != nil {
		return err
	} else {
		v.Outline = &outline
		for _, n := range outline.Nodes {
			v.Nodes = append(v.Nodes, n.ID)
			if n.Ending == "" {
				v.Open = append(v.Open, n.ID)
			}
			if n.ID == node && choice >= 1 && choice <= len(n.Choices) {
				v.Selected = &selectedChoice{Node: node, Number: choice, OutlineChoice: n.Choices[choice-1]}
			}
		}
		seen := map[string]bool{}
		if vocab := s.studio.Library().Vocabulary; vocab != nil {
			for _, d := range vocab.Competencies {
				v.Competencies = append(v.Competencies, formCompetency{Key: d.Key, Label: d.Label})
				seen[d.Key] = true
			}
		}
		for _, k := range outline.Competencies {
			if !seen[k] {
				v.Competencies = append(v.Competencies, formCompetency{Key: k, Label: k})
				seen[k] = true
			}
		}
	}
	if status != 0 {
		c.Status(status)
	}
	return s.render(c, "pages/studio_form", fiber.Map{
		"Title":  "Form view of " + it.ID,
		"Tab":    "form",
		"Ed":     editorView{Item: it, Kind: c.Params("kind"), URL: studioURL(it.Kind, it.ID)},
		"Form":   v,
		"Errors": errs,
		"Notice": c.Query("notice"),
	})
}

// studioFormEdit makes one edit from the form view and saves the draft as
// its next revision: refused, with the reason beside the field, when the
// input is of the wrong shape, and refused whole when someone else saved
// the draft since the page was loaded.
func (s *Server) studioFormEdit(c *fiber.Ctx) error {
	it, err := s.formItem(c)
	if err != nil {
		return err
	}
	e := authoring.Edit{
		Op:         utils.CopyString(c.FormValue("op")),
		Node:       utils.CopyString(c.FormValue("node")),
		ID:         utils.CopyString(c.FormValue("id")),
		Ending:     utils.CopyString(c.FormValue("ending")),
		Speaker:    utils.CopyString(c.FormValue("speaker")),
		Text:       utils.CopyString(c.FormValue("text")),
		Goto:       utils.CopyString(c.FormValue("goto")),
		Feedback:   utils.CopyString(c.FormValue("feedback")),
		Competency: utils.CopyString(c.FormValue("competency")),
		Score:      utils.CopyString(c.FormValue("score")),
	}
	e.Choice, _ = strconv.Atoi(c.FormValue("choice"))
	revision, _ := strconv.Atoi(c.FormValue("revision"))
	saved, err := s.studio.EditScenario(c.UserContext(), actor(c), it.ID, revision, e)
	if errors.Is(err, authoring.ErrStale) {
		return s.renderForm(c, it, e.Node, e.Choice, authoring.Edit{}, newFormErrors(formError{
			Msg: "Not saved: someone else saved this draft after you opened it. The form now shows their version: make your change again."}),
			fiber.StatusConflict)
	}
	if f, ok := asInputError(err); ok {
		field := f.Field
		if field == "source" || field == "name" {
			field = "" // a limit of the whole draft: the summary says it
		}
		return s.renderForm(c, it, e.Node, e.Choice, e, newFormErrors(formError{Field: field, Msg: f.Msg}),
			fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	q := url.Values{"notice": {e.Op}}
	switch e.Op {
	case authoring.EditAddNode:
		return c.Redirect(formURL(it)+"?"+q.Encode()+"#outline-node-"+strings.TrimSpace(e.ID), fiber.StatusSeeOther)
	case authoring.EditAddChoice:
		// The new choice is the node's last: open it for its feedback and score.
		if outline, err := authoring.ReadOutline(saved.Files[it.MainFile()]); err == nil {
			for _, n := range outline.Nodes {
				if n.ID == e.Node {
					e.Choice = len(n.Choices)
				}
			}
		}
	}
	q.Set("node", e.Node)
	q.Set("choice", strconv.Itoa(e.Choice))
	return c.Redirect(formURL(it)+"?"+q.Encode()+"#edit-choice", fiber.StatusSeeOther)
}

// formURL is a scenario draft's form view.
func formURL(it authoring.Item) string { return studioURL(it.Kind, it.ID) + "/form" }
