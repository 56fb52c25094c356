package content

import (
	"errors"
	"html/template"
	"maps"
	"strconv"
	"strings"
)

// The rules of play live here, once, because two places need them: the
// player (package scenario) and the checker, which plays every scenario
// through before accepting it (checkStates). The checker is part of loading,
// so they cannot live in package scenario, which imports this one.

// State is where a play-through stands, as far as the rules of play go.
type State struct {
	Node   string
	Vars   map[string]any // each declared variable's value: int or bool
	Scores map[string]int // each competency's running total
}

// Begin is the state every play-through starts in: the start node, the
// variables at their initial values and every competency at 0.
func (s *Scenario) Begin() State {
	st := State{
		Node:   s.Start,
		Vars:   make(map[string]any, len(s.Variables)),
		Scores: make(map[string]int, len(s.Competencies)),
	}
	for _, v := range s.Variables {
		st.Vars[v.Name] = v.Initial
	}
	for _, c := range s.Competencies {
		st.Scores[c.Key] = 0
	}
	return st
}

// Offers reports whether c, a choice of st's node, is on offer: it has no
// `if`, or its `if` holds for st's variables.
func (st State) Offers(c *Choice) (bool, error) {
	if c.If == nil {
		return true, nil
	}
	ok, err := c.If.Holds(st.Vars)
	if err != nil {
		return false, &EvalError{Node: st.Node, Choice: c, Err: err}
	}
	return ok, nil
}

// Apply makes choice c, a choice of st's node, and returns the state it
// leads to: c's score deltas added, its `set` assignments made, all reading
// the values from before the choice, and the node its goto leads to — for
// a routed goto, the first route whose `if` holds over the new values. st
// is left as it was and shares no map with the result. Apply does not ask
// whether c is on offer; that is Offers.
func (st State) Apply(c *Choice) (State, error) {
	next, _, err := st.apply(c)
	return next, err
}

// apply is Apply, also telling which route was taken (Route.Index: 0 for a
// plain goto).
func (st State) apply(c *Choice) (State, int, error) {
	next := State{Vars: maps.Clone(st.Vars), Scores: maps.Clone(st.Scores)}
	if next.Scores == nil {
		next.Scores = map[string]int{}
	}
	for k, d := range c.Score {
		next.Scores[k] += d
	}
	for i, a := range c.Set {
		v, err := a.Value(st.Vars)
		if err != nil {
			return st, 0, &EvalError{Node: st.Node, Choice: c, Set: &c.Set[i], Err: err}
		}
		next.Vars[a.Var] = v
	}
	if len(c.Routes) == 0 {
		next.Node = c.Goto
		return next, 0, nil
	}
	r, err := route(c, next.Vars)
	if err != nil {
		return st, 0, &EvalError{Node: st.Node, Choice: c, Route: r, Err: err}
	}
	next.Node = r.Node
	return next, r.Index, nil
}

// route is the route of c's routed goto taken with vars, the values after
// the choice: the first whose `if` holds, else the last (which has none).
// On an error it returns the route whose `if` failed.
func route(c *Choice, vars map[string]any) (*Route, error) {
	for _, r := range c.Routes {
		if r.If == nil {
			return r, nil
		}
		ok, err := r.If.Holds(vars)
		if err != nil {
			return r, err
		}
		if ok {
			return r, nil
		}
	}
	// Only in a draft, whose last route may wrongly carry an `if`.
	return c.Routes[len(c.Routes)-1], nil
}

// Shows reports whether p, a part of the text of st's node, is shown: it
// has no `if`, or its `if` holds for st's variables.
func (st State) Shows(p *TextPart) (bool, error) {
	if p.If == nil {
		return true, nil
	}
	ok, err := p.If.Holds(st.Vars)
	if err != nil {
		return false, &EvalError{Node: st.Node, Part: p, Err: err}
	}
	return ok, nil
}

// Text is the text of n, st's node, as a learner in st sees it: the parts
// that Shows, in order, and their HTML one after another.
func (st State) Text(n *Node) ([]*TextPart, template.HTML, error) {
	var shown []*TextPart
	for _, p := range n.Parts {
		ok, err := st.Shows(p)
		if err != nil {
			return nil, "", err
		}
		if ok {
			shown = append(shown, p)
		}
	}
	_, html := joinParts(shown, func(*TextPart) bool { return true })
	return shown, html, nil
}

// EvalError is an `if` or a `set` that could not be evaluated. Expressions
// are type-checked against the declared variables when a scenario is loaded,
// so this happens only on variables of the wrong type: never in a state
// reached by playing the same scenario version.
type EvalError struct {
	Node   string  // the node the choice or the text part is on
	Choice *Choice // nil when it was a text part's `if`
	// Set is the assignment that failed, Route the route whose `if` did
	// and Part the text part whose `if` did; all three are nil when it was
	// the choice's own `if`.
	Set   *Assignment
	Route *Route
	Part  *TextPart
	Err   error // from Condition.Holds or Assignment.Value
}

func (e *EvalError) Error() string { return e.Err.Error() }
func (e *EvalError) Unwrap() error { return e.Err }

// ErrTooManyStates is Walk's error when a scenario has more distinct states
// than the limit it was given.
var ErrTooManyStates = errors.New("content: too many states to walk")

// Reached is a state Walk has found.
type Reached struct {
	State
	Index int // the order it was found in: 0 is the start
	// Moves are the choices on offer here, in file order, each with the
	// state it leads to; none at an ending. The states moved to may not
	// have been visited yet, so their own Moves may still be empty.
	Moves []Move

	from   *Reached // the state it was first reached from; nil at the start
	choice int      // the id of the choice that led here from there
}

// Move is a choice on offer and the state it leads to.
type Move struct {
	Choice *Choice
	To     *Reached
	// Route is the route of a routed goto that was taken (Route.Index);
	// 0 for a plain goto.
	Route int
}

// Path is the ids of the choices that lead from the start to r along a
// shortest way; nil at the start.
func (r *Reached) Path() []int {
	var path []int
	for at := r; at.from != nil; at = at.from {
		path = append(path, at.choice)
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}

// Walk plays through every distinct state that can be reached from Begin by
// making choices on offer, and calls visit once for each, in the order they
// are found. States are told apart by node and variables only: scores never
// change what is on offer, so a Reached carries the scores of the first way
// found to it. The walk goes breadth first, so that way is a shortest one,
// and it does not go on from an ending.
//
// Walk stops, returning nil, when visit returns false. Before visiting a
// state, it stops with ErrTooManyStates if it has found more than limit
// states (a counter that grows for ever gives infinitely many). An `if` or
// `set` that fails stops it with an *EvalError. s must have passed the
// static rules (start and every goto name a node).
func (s *Scenario) Walk(limit int, visit func(*Reached) bool) error {
	index := map[string]*Reached{}
	var found []*Reached
	reach := func(st State, from *Reached, choice int) *Reached {
		var b strings.Builder
		b.WriteString(st.Node)
		for _, v := range s.Variables {
			b.WriteByte('|')
			switch x := st.Vars[v.Name].(type) {
			case int:
				b.WriteString(strconv.Itoa(x))
			case bool:
				b.WriteString(strconv.FormatBool(x))
			}
		}
		k := b.String()
		if r, ok := index[k]; ok {
			return r
		}
		r := &Reached{State: st, Index: len(found), from: from, choice: choice}
		index[k] = r
		found = append(found, r)
		return r
	}
	reach(s.Begin(), nil, 0)
	for i := 0; i < len(found); i++ {
		if len(found) > limit {
			return ErrTooManyStates
		}
		r := found[i]
		n := s.Nodes[r.Node]
		if !n.IsEnding() {
			for _, c := range n.Choices {
				ok, err := r.Offers(c)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				next, route, err := r.apply(c)
				if err != nil {
					return err
				}
				r.Moves = append(r.Moves, Move{Choice: c, To: reach(next, r, c.ID), Route: route})
			}
		}
		if !visit(r) {
			return nil
		}
	}
	return nil
}
