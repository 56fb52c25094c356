package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/content"
)

// Playtest: the trainer plays the saved draft, from the start or from any
// node, with the variables and scores shown after each choice. Nothing is
// stored: the page carries the choices made so far, and each request plays
// them again through the content engine's rules (State.Offers, State.Apply),
// so a playtest never creates a learner record or an analytics figure.

// playtestView is what the playtest page shows.
type playtestView struct {
	Scenario *content.Scenario
	From     string
	Path     string // the choices so far, "1,2,1"
	Steps    []playStep
	Node     *content.Node
	State    content.State
	Options  []playOption
	Last     *playStep
	Vars     []playValue
	Scores   []playValue
}

type playStep struct {
	Node   string
	Choice *content.Choice
}

type playOption struct {
	*content.Choice
	Offered bool
}

type playValue struct{ Name, Label, Value string }

// studioPlaytest plays the draft to where ?from= and the posted path say.
func (s *Server) studioPlaytest(c *fiber.Ctx) error {
	it, err := s.itemParams(c)
	if err != nil {
		return err
	}
	if it.Kind != authoring.Scenario {
		return fiber.ErrNotFound
	}
	data := fiber.Map{"Title": "Playtest " + it.ID, "Tab": "playtest",
		"Ed": editorView{Item: it, Kind: c.Params("kind"), URL: studioURL(it.Kind, it.ID)}}
	if it.Version == "" || it.Scenario == nil {
		return s.render(c, "pages/studio_playtest", data)
	}
	sc := it.Scenario
	from := c.FormValue("from", c.Query("from"))
	if _, ok := sc.Nodes[from]; !ok {
		from = sc.Start
	}
	path := c.FormValue("path")
	if ch := c.FormValue("choice"); ch != "" {
		if path != "" {
			path += ","
		}
		path += ch
	}
	v, err := playtest(sc, from, path)
	if err != nil {
		// A path that does not play (an old page after an edit) starts
		// again from the same node.
		v, _ = playtest(sc, from, "")
		data["Restarted"] = true
	}
	data["Play"] = v
	return s.render(c, "pages/studio_playtest", data)
}

// playtest plays the choices in path (1-based, comma-separated) from node
// from with the engine's rules.
func playtest(sc *content.Scenario, from, path string) (playtestView, error) {
	st := sc.Begin()
	st.Node = from
	v := playtestView{Scenario: sc, From: from, Path: path}
	if path != "" {
		for _, p := range strings.Split(path, ",") {
			n, err := strconv.Atoi(p)
			node := sc.Nodes[st.Node]
			if err != nil || n < 1 || n > len(node.Choices) {
				return v, fmt.Errorf("playtest: no choice %q on %s", p, st.Node)
			}
			ch := node.Choices[n-1]
			if ok, err := st.Offers(ch); err != nil || !ok {
				return v, fmt.Errorf("playtest: choice %d on %s is not on offer", n, st.Node)
			}
			next, err := st.Apply(ch)
			if err != nil {
				return v, err
			}
			v.Steps = append(v.Steps, playStep{Node: st.Node, Choice: ch})
			st = next
		}
	}
	if len(v.Steps) > 0 {
		v.Last = &v.Steps[len(v.Steps)-1]
	}
	v.State, v.Node = st, sc.Nodes[st.Node]
	for _, ch := range v.Node.Choices {
		ok, err := st.Offers(ch)
		v.Options = append(v.Options, playOption{Choice: ch, Offered: ok && err == nil})
	}
	for _, vr := range sc.Variables {
		v.Vars = append(v.Vars, playValue{Name: vr.Name, Value: fmt.Sprint(st.Vars[vr.Name])})
	}
	for _, cp := range sc.Competencies {
		v.Scores = append(v.Scores, playValue{Name: cp.Key, Label: cp.Label, Value: strconv.Itoa(st.Scores[cp.Key])})
	}
	slices.SortFunc(v.Vars, func(a, b playValue) int { return strings.Compare(a.Name, b.Name) })
	return v, nil
}
