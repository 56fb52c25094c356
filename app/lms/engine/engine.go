// Package engine is the scenario engine as a page in a learning management
// system sees it: scenarios loaded from their canonical JSON, and every
// call taking and returning plain JSON values. It adds no rules of its own:
// play is app/scenario's, on scenarios checked and rendered by app/content,
// so a scenario compiled into the WebAssembly build (app/lms/wasm) plays
// exactly as it does on the server.
//
// A state is kept by the page between calls as the JSON of scenario.State.
// For a resumable record small enough for SCORM 1.2's suspend_data, the
// page keeps only the path of choice ids instead and replays it (Replay).
package engine

import (
	"encoding/json"
	"fmt"
	"html/template"
	"path"
	"strings"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/scenario"
)

// Engine holds the scenarios loaded into it, by id.
type Engine struct {
	scenarios map[string]*content.Scenario
}

// New returns an engine with no scenarios.
func New() *Engine { return &Engine{scenarios: map[string]*content.Scenario{}} }

// Loaded is what Load tells about a scenario.
type Loaded struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Title   string `json:"title"`
}

// Load checks a scenario's canonical JSON (content.Scenario.Canonical)
// with every content rule, as the server does, and keeps it. owner is the
// organisation whose own scenario it is, empty for the bundled library: it
// is part of an owned scenario's version. want, when not empty, is the
// version the scenario must have, so that a package cannot play another
// version than the one it records.
func (e *Engine) Load(canonical, owner, want string) (Loaded, error) {
	var head struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(canonical), &head); err != nil {
		return Loaded{}, fmt.Errorf("engine: scenario is not JSON: %w", err)
	}
	if head.ID == "" || strings.ContainsAny(head.ID, "/\\") {
		return Loaded{}, fmt.Errorf("engine: scenario has no valid id")
	}
	s, errs := content.ParseScenario(path.Join("scenarios", head.ID+".yaml"), []byte(canonical))
	if errs != nil {
		return Loaded{}, fmt.Errorf("engine: scenario %s: %w", head.ID, errs)
	}
	if owner != "" {
		content.Own(s, owner)
	}
	if want != "" && s.Version != want {
		return Loaded{}, fmt.Errorf("engine: scenario %s is version %s, want %s", s.ID, s.Version, want)
	}
	e.scenarios[s.ID] = s
	return Loaded{ID: s.ID, Version: s.Version, Title: s.Title}, nil
}

// View is an attempt as the page shows it: the state, the current node's
// text as this state shows it, the choices on offer, and after a choice
// its feedback.
type View struct {
	State    scenario.State  `json:"state"`
	Speaker  string          `json:"speaker,omitempty"`
	HTML     template.HTML   `json:"html"`
	Choices  []Choice        `json:"choices"`
	Outcome  content.Outcome `json:"outcome,omitempty"`
	Feedback *Feedback       `json:"feedback,omitempty"`
}

// Choice is a choice on offer.
type Choice struct {
	ID   int    `json:"id"`
	Text string `json:"text"`
}

// Feedback is what follows a choice.
type Feedback struct {
	Choice int            `json:"choice"`
	Text   string         `json:"text"`
	HTML   template.HTML  `json:"html,omitempty"`
	Score  map[string]int `json:"score,omitempty"`
}

func (e *Engine) scenario(id string) (*content.Scenario, error) {
	s, ok := e.scenarios[id]
	if !ok {
		return nil, fmt.Errorf("engine: no scenario %q loaded", id)
	}
	return s, nil
}

func view(s *content.Scenario, st scenario.State) View {
	v := View{State: st, HTML: scenario.Text(s, st), Outcome: st.Outcome, Choices: []Choice{}}
	if n, ok := s.Nodes[st.Node]; ok {
		v.Speaker = n.Speaker
	}
	for _, c := range scenario.Options(s, st) {
		v.Choices = append(v.Choices, Choice{ID: c.ID, Text: c.Text})
	}
	return v
}

// Begin starts an attempt at scenario id.
func (e *Engine) Begin(id string) (View, error) {
	s, err := e.scenario(id)
	if err != nil {
		return View{}, err
	}
	return view(s, scenario.Start(s)), nil
}

// Choose makes choice on the attempt whose state is stateJSON.
func (e *Engine) Choose(id, stateJSON string, choice int) (View, error) {
	s, err := e.scenario(id)
	if err != nil {
		return View{}, err
	}
	var st scenario.State
	if err := json.Unmarshal([]byte(stateJSON), &st); err != nil {
		return View{}, fmt.Errorf("engine: state: %w", err)
	}
	return choose(s, st, choice)
}

func choose(s *content.Scenario, st scenario.State, choice int) (View, error) {
	next, fb, err := scenario.Choose(s, st, choice)
	if err != nil {
		return View{}, err
	}
	v := view(s, next)
	v.Feedback = &Feedback{Choice: fb.Choice, Text: fb.Text, HTML: fb.HTML, Score: fb.Score}
	return v, nil
}

// Replay plays the choice ids of path from the start and returns where
// they lead, with the last choice's feedback. It fails on a choice that
// is not on offer, as a path recorded with another version may be.
func (e *Engine) Replay(id string, path []int) (View, error) {
	s, err := e.scenario(id)
	if err != nil {
		return View{}, err
	}
	v := view(s, scenario.Start(s))
	for i, c := range path {
		if v, err = choose(s, v.State, c); err != nil {
			return View{}, fmt.Errorf("engine: replay step %d: %w", i+1, err)
		}
	}
	return v, nil
}

// Trace plays path from the start and returns the view after every step,
// the start first: what the same-engine tests compare between the server's
// build and the WebAssembly one.
func (e *Engine) Trace(id string, path []int) ([]View, error) {
	v, err := e.Begin(id)
	if err != nil {
		return nil, err
	}
	out := []View{v}
	for _, c := range path {
		st, err := json.Marshal(v.State)
		if err != nil {
			return nil, err
		}
		if v, err = e.Choose(id, string(st), c); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Paths returns a shortest path of choice ids to every distinct state of s
// (node and variables) that play can reach, the start's (empty) first:
// the choice sequences the same-engine tests play through both builds.
// limit bounds the states walked (content.Scenario.Walk).
func Paths(s *content.Scenario, limit int) ([][]int, error) {
	var out [][]int
	err := s.Walk(limit, func(r *content.Reached) bool {
		p := r.Path()
		if p == nil {
			p = []int{}
		}
		out = append(out, p)
		return true
	})
	return out, err
}
