package content

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// checkGraph applies the graph rules over the static goto edges, ignoring
// conditions: S4 (links), S8 (endings), S5 (reachable from start) and S7 (an
// ending reachable from every reachable node). The sets come from
// GraphProblems, so the graph view marks exactly what is reported here.
func checkGraph(r *report, s *Scenario) {
	p := s.GraphProblems()
	for _, m := range p.Missing {
		if m.Goto == "" {
			// Reported where the choice is read: "the choice has no goto".
			continue
		}
		c := s.Nodes[m.Node].Choices[m.Choice-1]
		if m.Route == 0 {
			r.add(c.gotoPos, choiceWhere(m.Node, m.Choice), "S4", "goto %q names no node%s", m.Goto, suggest(m.Goto, s.NodeIDs))
			continue
		}
		rt := c.Targets()[m.Route-1]
		r.add(rt.nodePos, routeWhere(m.Node, m.Choice, m.Route), "S4", "node %q names no node%s", m.Goto, suggest(m.Goto, s.NodeIDs))
	}
	if len(s.Nodes) == 0 {
		r.add(s.nodesPos, "", "S8", "the scenario has no nodes, so no ending")
		return
	}
	endings, positive := 0, 0
	for _, n := range s.Nodes {
		if n.IsEnding() {
			endings++
		}
		if n.Ending == Positive {
			positive++
		}
	}
	switch {
	case endings == 0:
		r.add(s.nodesPos, "", "S8", "the scenario has no ending; mark at least one node with ending: positive")
	case positive == 0:
		r.add(s.nodesPos, "", "S8", "the scenario has no positive ending")
	}
	for _, id := range p.Unreachable {
		r.add(s.Nodes[id].pos, nodeWhere(id), "S5", "cannot be reached from start %q", s.Start)
	}
	for _, id := range p.Traps {
		r.add(s.Nodes[id].pos, nodeWhere(id), "S7", "no ending can be reached from this node (following every goto)")
	}
}

// GraphProblems are the problems of a scenario's goto graph, as data for a
// graph view: the same sets rules S4, S5 and S7 report. Each list is in
// NodeIDs order (Missing then by choice and route); all are empty for a
// scenario that passed the rules. Every route of a routed goto is an edge
// of the graph, whatever its condition.
type GraphProblems struct {
	Unreachable []string        // S5: nodes that cannot be reached from start
	Traps       []string        // S7: reachable nodes with no ending ahead (following every goto)
	Missing     []MissingTarget // S4: choices whose goto names no node, or that have none
}

// MissingTarget is a choice whose goto (or one of whose routes) names no
// node.
type MissingTarget struct {
	Node   string // the node the choice is on
	Choice int    // the choice's 1-based position on its node
	// Route is the route of a routed goto (its Index), 0 for a plain goto.
	Route int
	Goto  string // the node as written; "" when there is none at all
	// Meant is the node the goto most likely meant (the one the rules
	// follow it to, see GraphProblems), "" when none is close.
	Meant string
}

// GraphProblems computes the goto graph's problems. It works on a partial
// draft from ParseDraft too. Without a start that names a node, nothing is
// judged reachable or a trap (rule S3 has the problem then), and only
// Missing is filled in.
//
// A goto that names no node is followed to the node it most likely meant,
// and a node with a choice leading nowhere known is not judged a trap: one
// typo is reported once (S4), not again as an unreachable node or a trap.
func (s *Scenario) GraphProblems() GraphProblems {
	var p GraphProblems
	target := func(r *Route) string {
		if _, ok := s.Nodes[r.Node]; ok {
			return r.Node
		}
		if r.Node == "" {
			return ""
		}
		return closest(r.Node, s.NodeIDs)
	}
	for _, id := range s.NodeIDs {
		for _, c := range s.Nodes[id].Choices {
			for _, r := range c.Targets() {
				if _, ok := s.Nodes[r.Node]; !ok {
					p.Missing = append(p.Missing, MissingTarget{Node: id, Choice: c.ID, Route: r.Index, Goto: r.Node, Meant: target(r)})
				}
			}
		}
	}
	if _, ok := s.Nodes[s.Start]; !ok {
		return p
	}

	targets := func(id string) []string {
		var out []string
		for _, c := range s.Nodes[id].Choices {
			for _, r := range c.Targets() {
				if t := target(r); t != "" {
					out = append(out, t)
				}
			}
		}
		return out
	}
	reached := closure([]string{s.Start}, targets)
	for _, id := range s.NodeIDs {
		if !reached[id] {
			p.Unreachable = append(p.Unreachable, id)
		}
	}

	// Walk the edges backwards from every node that ends play. A node with
	// no choices that is not an ending has its S6 error already and counts
	// as an end here, so it is not reported twice; so does a node with a
	// choice leading nowhere known.
	into := map[string][]string{}
	var ends []string
	for _, id := range s.NodeIDs {
		n := s.Nodes[id]
		end := n.IsEnding() || len(n.Choices) == 0
		for _, c := range n.Choices {
			for _, r := range c.Targets() {
				if t := target(r); t != "" {
					into[t] = append(into[t], id)
				} else {
					end = true
				}
			}
		}
		if end {
			ends = append(ends, id)
		}
	}
	canEnd := closure(ends, func(id string) []string { return into[id] })
	for _, id := range s.NodeIDs {
		if reached[id] && !canEnd[id] {
			p.Traps = append(p.Traps, id)
		}
	}
	return p
}

// maxStates bounds the play-through check. Real scenarios have a few
// hundred distinct (node, variables) states; a counter that can grow for
// ever has infinitely many.
const maxStates = 10000

// checkStates plays every distinct state (node and variable values) that
// can be reached, honouring conditions, and reports a node where the
// learner could be stranded: no choice on offer, or only choices that lead
// round and round with no ending ahead. This is what makes good the
// contract's promise that a scenario passing the rules never gets stuck,
// which S7's static graph search alone cannot, as conditions can hide
// choices. When there are too many states to play through, every reachable
// node must instead offer a choice without `if`.
//
// The same play-through finds what conditions make unseen: a node whose
// text, in some state, would show no part at all (S10), and a text part or
// a route whose `if` never holds in any state the learner can be in there
// (S5: written for nobody), and a positive ending the learner can reach
// with a disqualifying flag set (S12: a verdict the path does not deserve).
func checkStates(r *report, s *Scenario) {
	var states []*Reached
	reported := map[string]bool{} // nodes with an S7 problem
	silent := map[string]bool{}   // nodes with an empty text
	visited := map[string]bool{}
	shown := map[*TextPart]bool{}
	taken := map[*Choice]map[int]bool{} // the routes taken by each choice made
	judged := map[string]bool{}         // "node|flag" already reported under S12
	var textErr error
	err := s.Walk(maxStates, func(st *Reached) bool {
		states = append(states, st)
		n := s.Nodes[st.Node]
		visited[n.ID] = true
		if n.Conditional() {
			parts, _, err := st.Text(n)
			if err != nil {
				textErr = err
				return false
			}
			for _, p := range parts {
				shown[p] = true
			}
			if len(parts) == 0 && !silent[n.ID] {
				silent[n.ID] = true
				r.add(n.pos, nodeWhere(n.ID), "S10", "the learner can arrive here%s and see no text: no part's \"if\" holds; add a part without \"if\"",
					when(s, st.Vars))
			}
		}
		for _, m := range st.Moves {
			if m.Route == 0 {
				continue
			}
			if taken[m.Choice] == nil {
				taken[m.Choice] = map[int]bool{}
			}
			taken[m.Choice][m.Route] = true
		}
		if n.Ending == Positive {
			for _, flag := range s.Disqualifying {
				// The walk is breadth first, so the first state found
				// with the flag set has a shortest path to it.
				if st.Vars[flag] != true || judged[n.ID+"|"+flag] {
					continue
				}
				judged[n.ID+"|"+flag] = true
				r.add(n.pos, nodeWhere(n.ID), "S12",
					"a positive ending is reachable with %s = true (path %s); route that path to another ending or mark the flag false when it is put right",
					flag, pathText(st.Path()))
			}
		}
		if !n.IsEnding() && len(st.Moves) == 0 && !reported[n.ID] {
			reported[n.ID] = true
			r.add(n.pos, nodeWhere(n.ID), "S7", "the learner can arrive here%s with no choice on offer: no choice's \"if\" holds",
				when(s, st.Vars))
		}
		return true
	})
	if err == nil {
		err = textErr
	}
	var ee *EvalError
	switch {
	case errors.Is(err, ErrTooManyStates):
		checkUnconditional(r, s)
		checkVerdictsUnknown(r, s)
		return
	case errors.As(err, &ee):
		switch {
		case ee.Part != nil:
			r.add(ee.Part.ifPos, partWhere(ee.Node, ee.Part.Index), "S9", "if %q cannot be evaluated: %v", ee.Part.If.Source, ee.Err)
		case ee.Route != nil:
			r.add(ee.Route.ifPos, routeWhere(ee.Node, ee.Choice.ID, ee.Route.Index), "S9", "if %q cannot be evaluated: %v", ee.Route.If.Source, ee.Err)
		case ee.Set != nil:
			r.add(ee.Choice.pos, choiceWhere(ee.Node, ee.Choice.ID), "S9", "set %s cannot be evaluated: %v", ee.Set.Var, ee.Err)
		default:
			r.add(ee.Choice.pos, choiceWhere(ee.Node, ee.Choice.ID), "S9", "if %q cannot be evaluated: %v", ee.Choice.If.Source, ee.Err)
		}
		return
	}

	// Every state must have an ending ahead of it along the choices that
	// are actually on offer.
	into := make([][]int, len(states)) // into[j]: the states with a choice leading to state j
	var ends []int
	for _, st := range states {
		for _, m := range st.Moves {
			into[m.To.Index] = append(into[m.To.Index], st.Index)
		}
		if s.Nodes[st.Node].IsEnding() {
			ends = append(ends, st.Index)
		}
	}
	canEnd := closure(ends, func(j int) []int { return into[j] })
	for _, st := range states {
		if !canEnd[st.Index] && !reported[st.Node] {
			reported[st.Node] = true
			r.add(s.Nodes[st.Node].pos, nodeWhere(st.Node), "S7",
				"the learner can arrive here%s, and the choices then on offer never lead to an ending", when(s, st.Vars))
		}
	}

	// Conditions written for nobody, at nodes the learner can reach (and,
	// for routes, on choices the learner can make).
	for _, id := range s.NodeIDs {
		n := s.Nodes[id]
		if !visited[id] {
			continue
		}
		for _, p := range n.Parts {
			if p.If != nil && !shown[p] {
				r.add(p.ifPos, partWhere(id, p.Index), "S5",
					"if %q never holds when the learner is here, so this part is never shown", clip(p.If.Source))
			}
		}
		for _, c := range n.Choices {
			t := taken[c]
			if t == nil {
				continue
			}
			for _, rt := range c.Routes {
				if rt.If != nil && !t[rt.Index] {
					r.add(rt.ifPos, routeWhere(id, c.ID, rt.Index), "S5",
						"the route to %q is never taken: whenever the learner makes this choice, its if %q does not hold, or an earlier route's does",
						rt.Node, clip(rt.If.Source))
				}
			}
		}
	}
}

// checkUnconditional is the fallback of checkStates for scenarios with too
// many states: each reachable non-ending node needs a choice without `if`,
// and every node a text part without `if`.
func checkUnconditional(r *report, s *Scenario) {
	for _, id := range s.NodeIDs {
		n := s.Nodes[id]
		if n.Text == "" {
			r.add(n.pos, nodeWhere(id), "S10",
				"every part of the text here has an \"if\", and the variables take over %d combinations, too many to check that one always holds; add a part without \"if\"",
				maxStates)
		}
		if n.IsEnding() {
			continue
		}
		free := false
		for _, c := range n.Choices {
			if c.If == nil {
				free = true
				break
			}
		}
		if !free {
			r.add(n.pos, nodeWhere(id), "S7",
				"every choice here has an \"if\", and the variables take over %d combinations, too many to check that one always holds; add a choice without \"if\"",
				maxStates)
		}
	}
}

// checkVerdictsUnknown is the S12 part of the fallback of checkStates: with
// too many states to play through, nothing shows that a positive ending
// cannot be reached with a disqualifying flag set, so a scenario that has
// such flags must keep its variables within the limit.
func checkVerdictsUnknown(r *report, s *Scenario) {
	if len(s.Disqualifying) == 0 {
		return
	}
	for _, id := range s.NodeIDs {
		if n := s.Nodes[id]; n.Ending == Positive {
			r.add(n.pos, nodeWhere(id), "S12",
				"the variables take over %d combinations, too many to check that this positive ending cannot be reached with a disqualifying flag (%s) set; bound the counters",
				maxStates, strings.Join(s.Disqualifying, ", "))
		}
	}
}

// pathText is a path of choice positions for a message: "1, 3, 2", or
// "none: it is the start" for the empty path (a start that is an ending).
func pathText(path []int) string {
	if len(path) == 0 {
		return "none: it is the start"
	}
	parts := make([]string, len(path))
	for i, c := range path {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, ", ")
}

// when describes the variable values of a state for a message, e.g.
// " (when trust = 0, told = false)"; "" for a scenario without variables.
func when(s *Scenario, vars map[string]any) string {
	if len(s.Variables) == 0 {
		return ""
	}
	parts := make([]string, len(s.Variables))
	for i, v := range s.Variables {
		parts[i] = fmt.Sprintf("%s = %v", v.Name, vars[v.Name])
	}
	return " (when " + strings.Join(parts, ", ") + ")"
}

// closure is the set of seeds and everything reachable from them by
// following next.
func closure[K comparable](seeds []K, next func(K) []K) map[K]bool {
	in := make(map[K]bool, len(seeds))
	for _, k := range seeds {
		in[k] = true
	}
	for queue := slices.Clone(seeds); len(queue) > 0; queue = queue[1:] {
		for _, k := range next(queue[0]) {
			if !in[k] {
				in[k] = true
				queue = append(queue, k)
			}
		}
	}
	return in
}
