package content

import (
	"fmt"
	"strconv"
	"strings"
)

// checkGraph applies the graph rules over the static goto edges, ignoring
// conditions: S8 (endings), S5 (reachable from start) and S7 (an ending
// reachable from every reachable node).
func checkGraph(r *report, s *Scenario) {
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
	if _, ok := s.Nodes[s.Start]; !ok {
		// S3 has been reported; without a start nothing is reachable.
		return
	}

	// A goto that names no node (an S4 error) is followed to the node it
	// most likely meant, and a node with a choice leading nowhere known is
	// not judged for traps: one typo is reported once, not again as an
	// unreachable node or a trap.
	target := func(c *Choice) string {
		if _, ok := s.Nodes[c.Goto]; ok {
			return c.Goto
		}
		if c.Goto == "" {
			return ""
		}
		return closest(c.Goto, s.NodeIDs)
	}
	reached := map[string]bool{s.Start: true}
	queue := []string{s.Start}
	for len(queue) > 0 {
		n := s.Nodes[queue[0]]
		queue = queue[1:]
		for _, c := range n.Choices {
			if t := target(c); t != "" && !reached[t] {
				reached[t] = true
				queue = append(queue, t)
			}
		}
	}
	for _, id := range s.NodeIDs {
		if !reached[id] {
			r.add(s.Nodes[id].pos, nodeWhere(id), "S5", "cannot be reached from start %q", s.Start)
		}
	}

	// Walk the edges backwards from every node that ends play. A node with
	// no choices that is not an ending has its S6 error already and counts
	// as an end here, so it is not reported twice.
	into := map[string][]string{}
	canEnd := map[string]bool{}
	for _, id := range s.NodeIDs {
		n := s.Nodes[id]
		for _, c := range n.Choices {
			if t := target(c); t != "" {
				into[t] = append(into[t], id)
			} else if !canEnd[id] {
				canEnd[id] = true
				queue = append(queue, id)
			}
		}
		if (n.IsEnding() || len(n.Choices) == 0) && !canEnd[id] {
			canEnd[id] = true
			queue = append(queue, id)
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, from := range into[id] {
			if !canEnd[from] {
				canEnd[from] = true
				queue = append(queue, from)
			}
		}
	}
	for _, id := range s.NodeIDs {
		if reached[id] && !canEnd[id] {
			r.add(s.Nodes[id].pos, nodeWhere(id), "S7", "no ending can be reached from this node (following every goto)")
		}
	}
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
func checkStates(r *report, s *Scenario) {
	type state struct {
		node string
		vars map[string]any
	}
	var (
		states []state
		into   [][]int // into[j]: the states with a choice leading to state j
		index  = map[string]int{}
	)
	visit := func(node string, vars map[string]any) int {
		var b strings.Builder
		b.WriteString(node)
		for _, v := range s.Variables {
			b.WriteByte('|')
			switch x := vars[v.Name].(type) {
			case int:
				b.WriteString(strconv.Itoa(x))
			case bool:
				b.WriteString(strconv.FormatBool(x))
			}
		}
		k := b.String()
		if i, ok := index[k]; ok {
			return i
		}
		index[k] = len(states)
		states = append(states, state{node, vars})
		into = append(into, nil)
		return len(states) - 1
	}
	start := make(map[string]any, len(s.Variables))
	for _, v := range s.Variables {
		start[v.Name] = v.Initial
	}
	visit(s.Start, start)

	reported := map[string]bool{}
	for i := 0; i < len(states); i++ {
		if len(states) > maxStates {
			checkUnconditional(r, s)
			return
		}
		st := states[i]
		n := s.Nodes[st.node]
		if n.IsEnding() {
			continue
		}
		offered := 0
		for _, c := range n.Choices {
			if c.If != nil {
				ok, err := c.If.Holds(st.vars)
				if err != nil {
					r.add(c.pos, choiceWhere(n.ID, c.ID), "S9", "if %q cannot be evaluated: %v", c.If.Source, err)
					return
				}
				if !ok {
					continue
				}
			}
			offered++
			next := st.vars
			if len(c.Set) > 0 {
				next = make(map[string]any, len(st.vars))
				for k, v := range st.vars {
					next[k] = v
				}
				for _, a := range c.Set {
					v, err := a.Value(st.vars)
					if err != nil {
						r.add(c.pos, choiceWhere(n.ID, c.ID), "S9", "set %s cannot be evaluated: %v", a.Var, err)
						return
					}
					next[a.Var] = v
				}
			}
			j := visit(c.Goto, next)
			into[j] = append(into[j], i)
		}
		if offered == 0 && !reported[n.ID] {
			reported[n.ID] = true
			r.add(n.pos, nodeWhere(n.ID), "S7", "the learner can arrive here%s with no choice on offer: no choice's \"if\" holds",
				when(s, st.vars))
		}
	}

	// Every state must have an ending ahead of it along the choices that
	// are actually on offer.
	canEnd := make([]bool, len(states))
	var queue []int
	for i, st := range states {
		if s.Nodes[st.node].IsEnding() {
			canEnd[i] = true
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		j := queue[0]
		queue = queue[1:]
		for _, i := range into[j] {
			if !canEnd[i] {
				canEnd[i] = true
				queue = append(queue, i)
			}
		}
	}
	for i, st := range states {
		if !canEnd[i] && !reported[st.node] {
			reported[st.node] = true
			r.add(s.Nodes[st.node].pos, nodeWhere(st.node), "S7",
				"the learner can arrive here%s, and the choices then on offer never lead to an ending", when(s, st.vars))
		}
	}
}

// checkUnconditional is the fallback of checkStates for scenarios with too
// many states: each reachable non-ending node needs a choice without `if`.
func checkUnconditional(r *report, s *Scenario) {
	for _, id := range s.NodeIDs {
		n := s.Nodes[id]
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
