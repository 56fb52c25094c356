// Package scenario plays branching scenarios: the pure engine behind a
// learner's attempt, with no HTTP and no SQL. A State is a plain value that
// serialises to JSON and back without loss, so the web layer can keep it
// between requests; the same scenario version and the same choices always
// give the same State.
//
// The rules themselves (what is on offer, what a choice does) are
// content.State's, which the content checker plays every scenario through
// with; this package adds what an attempt needs on top: the scenario and
// version it belongs to, the path, the outcome and the feedback, and the
// text of the node the attempt is at as its state shows it (Text).
package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/upstand/upstand/app/content"
)

// Errors Choose returns; match them with errors.Is.
var (
	// ErrNotOffered means the choice id is not among the current Options.
	ErrNotOffered = errors.New("scenario: choice not offered")
	// ErrFinished means the attempt has reached an ending.
	ErrFinished = errors.New("scenario: attempt already finished")
	// ErrWrongVersion means the state was made with another scenario or
	// another version of it.
	ErrWrongVersion = errors.New("scenario: state belongs to another scenario version")
)

// State is one attempt in progress or finished.
type State struct {
	Scenario string `json:"scenario"`
	Version  string `json:"version"`
	Node     string `json:"node"`
	// Vars holds each declared variable's value: int or bool.
	Vars map[string]any `json:"vars"`
	// Scores holds every competency's running total, starting at 0.
	Scores map[string]int `json:"scores"`
	// Path is every choice made so far, in order.
	Path []Step `json:"path"`
	// Outcome is set once Node is an ending.
	Outcome content.Outcome `json:"outcome,omitempty"`
}

// Step is one choice made: the node it was made on and the choice's id.
type Step struct {
	Node   string `json:"node"`
	Choice int    `json:"choice"`
}

// Finished reports whether the attempt has reached an ending.
func (st State) Finished() bool { return st.Outcome != "" }

// UnmarshalJSON restores a State, keeping whole-number variables as int
// (encoding/json alone would make them float64).
func (st *State) UnmarshalJSON(data []byte) error {
	type plain State
	var raw struct {
		plain
		Vars map[string]json.RawMessage `json:"vars"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*st = State(raw.plain)
	st.Vars = make(map[string]any, len(raw.Vars))
	for name, v := range raw.Vars {
		switch {
		case bytes.Equal(v, []byte("true")):
			st.Vars[name] = true
		case bytes.Equal(v, []byte("false")):
			st.Vars[name] = false
		default:
			var n int
			if err := json.Unmarshal(v, &n); err != nil {
				return fmt.Errorf("scenario: variable %q: want a whole number or a boolean, got %s", name, v)
			}
			st.Vars[name] = n
		}
	}
	return nil
}

// Choice is a choice on offer.
type Choice struct {
	ID   int // the id to pass to Choose
	Text string
}

// Feedback is what the learner sees after a choice.
type Feedback struct {
	Choice int
	Text   string        // the choice as it was offered
	HTML   template.HTML // the choice's feedback; empty when it has none
	Score  map[string]int
	// Outcome is set when the choice reached an ending; the debrief is that
	// node's HTML.
	Outcome content.Outcome
}

// Start begins an attempt at the start node with the initial variables and
// every competency at 0.
func Start(s *content.Scenario) State {
	b := s.Begin()
	return State{
		Scenario: s.ID,
		Version:  s.Version,
		Node:     b.Node,
		Vars:     b.Vars,
		Scores:   b.Scores,
		Path:     []Step{},
		Outcome:  s.Nodes[b.Node].Ending,
	}
}

// Options lists the choices on offer now: those of the current node whose
// `if` holds, in file order. It is empty once the attempt has finished or
// when st does not belong to s.
func Options(s *content.Scenario, st State) []Choice {
	n, err := current(s, st)
	if err != nil || st.Finished() {
		return nil
	}
	var out []Choice
	for _, c := range n.Choices {
		if offered(c, st) {
			out = append(out, Choice{ID: c.ID, Text: c.Text})
		}
	}
	return out
}

// Text is the current node's text (at an ending, the debrief) as the
// learner sees it in st: its parts whose `if` holds for st's variables, in
// order. It is empty when st does not belong to s. Expressions were
// type-checked at load and cannot fail on a state of the same version;
// should one fail anyway, its part is left out, like a choice whose `if`
// fails.
func Text(s *content.Scenario, st State) template.HTML {
	n, err := current(s, st)
	if err != nil {
		return ""
	}
	var out strings.Builder
	for _, p := range n.Parts {
		if ok, err := rules(st).Shows(p); err == nil && ok {
			out.WriteString(string(p.HTML))
		}
	}
	// The parts are content's rendered, sanitised Markdown.
	return template.HTML(out.String())
}

// Choose makes a choice and returns the next state with the feedback. st is
// left as it was. A choice that is not on offer now is refused with
// ErrNotOffered.
func Choose(s *content.Scenario, st State, choiceID int) (State, Feedback, error) {
	n, err := current(s, st)
	if err != nil {
		return st, Feedback{}, err
	}
	if st.Finished() {
		return st, Feedback{}, ErrFinished
	}
	if choiceID < 1 || choiceID > len(n.Choices) || !offered(n.Choices[choiceID-1], st) {
		return st, Feedback{}, fmt.Errorf("%w: choice %d on node %q", ErrNotOffered, choiceID, n.ID)
	}
	c := n.Choices[choiceID-1]
	to, err := rules(st).Apply(c)
	if err != nil {
		return st, Feedback{}, err
	}
	next := State{
		Scenario: st.Scenario,
		Version:  st.Version,
		Node:     to.Node,
		Vars:     to.Vars,
		Scores:   to.Scores,
		Path:     append(slices.Clip(st.Path), Step{Node: n.ID, Choice: c.ID}),
		Outcome:  s.Nodes[to.Node].Ending,
	}
	fb := Feedback{Choice: c.ID, Text: c.Text, HTML: c.FeedbackHTML, Score: c.Score, Outcome: next.Outcome}
	return next, fb, nil
}

// rules is st as the rules of play see it.
func rules(st State) content.State {
	return content.State{Node: st.Node, Vars: st.Vars, Scores: st.Scores}
}

// current is the state's node, after checking the state belongs to s.
func current(s *content.Scenario, st State) (*content.Node, error) {
	if st.Scenario != s.ID || st.Version != s.Version {
		return nil, fmt.Errorf("%w: state is %s@%s, scenario is %s@%s", ErrWrongVersion, st.Scenario, st.Version, s.ID, s.Version)
	}
	n, ok := s.Nodes[st.Node]
	if !ok {
		return nil, fmt.Errorf("%w: no node %q", ErrWrongVersion, st.Node)
	}
	return n, nil
}

// offered evaluates a choice's `if`. Expressions were type-checked at load
// and cannot fail on a state of the same version; should one fail anyway,
// the choice is not offered rather than the attempt breaking.
func offered(c *content.Choice, st State) bool {
	ok, err := rules(st).Offers(c)
	return err == nil && ok
}
