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
// The node's text shows as the learner in that state sees it, with the
// parts its conditions hide marked as such, and a choice with a routed
// goto says where it would lead now.

// playtestView is what the playtest page shows.
type playtestView struct {
	Scenario *content.Scenario
	From     string
	Path     string // the choices so far, "1,2,1"
	Steps    []playStep
	Node     *content.Node
	State    content.State
	// Parts are the node's text in its parts, each marked shown or not
	// in this state, so the trainer sees what a learner here sees and
	// what the conditions hide.
	Parts   []playPart
	Options []playOption
	Last    *playStep
	Vars    []playValue
	Scores  []playValue
}

type playStep struct {
	Node   string
	Choice *content.Choice
}

type playPart struct {
	*content.TextPart
	Shown bool
}

type playOption struct {
	*content.Choice
	Offered bool
	// Leads is where the choice would lead now, for a routed goto (whose
	// target depends on the state); "" otherwise.
	Leads string
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
	for _, p := range v.Node.Parts {
		ok, err := st.Shows(p)
		v.Parts = append(v.Parts, playPart{TextPart: p, Shown: ok && err == nil})
	}
	for _, ch := range v.Node.Choices {
		ok, err := st.Offers(ch)
		o := playOption{Choice: ch, Offered: ok && err == nil}
		if o.Offered && len(ch.Routes) > 0 {
			if next, err := st.Apply(ch); err == nil {
				o.Leads = next.Node
			}
		}
		v.Options = append(v.Options, o)
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
