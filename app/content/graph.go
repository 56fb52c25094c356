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
// learner would find no choice on offer. This is what makes good the
// contract's promise that a scenario passing the rules never gets stuck,
// which S7's static graph search alone cannot, as conditions can hide every
// choice of a node. When there are too many states to play through, every
// reachable node must instead offer a choice without `if`.
func checkStates(r *report, s *Scenario) {
	start := make(map[string]any, len(s.Variables))
	for _, v := range s.Variables {
		start[v.Name] = v.Initial
	}
	type state struct {
		node string
		vars map[string]any
	}
	key := func(node string, vars map[string]any) string {
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
		return b.String()
	}
	seen := map[string]bool{key(s.Start, start): true}
	queue := []state{{s.Start, start}}
	stuck := map[string]bool{}
	for len(queue) > 0 {
		if len(seen) > maxStates {
			checkUnconditional(r, s)
			return
		}
		st := queue[0]
		queue = queue[1:]
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
			k := key(c.Goto, next)
			if !seen[k] {
				seen[k] = true
				queue = append(queue, state{c.Goto, next})
			}
		}
		if offered == 0 && !stuck[n.ID] {
			stuck[n.ID] = true
			r.add(n.pos, nodeWhere(n.ID), "S7", "the learner can arrive here with no choice on offer (when %s): no choice's \"if\" holds",
				describeVars(s, st.vars))
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

func describeVars(s *Scenario, vars map[string]any) string {
	parts := make([]string, len(s.Variables))
	for i, v := range s.Variables {
		parts[i] = fmt.Sprintf("%s = %v", v.Name, vars[v.Name])
	}
	return strings.Join(parts, ", ")
}
