package learning

import (
	"encoding/json"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/scenario"
)

// PathTo finds a shortest sequence of choice ids that plays a scenario from
// its start to an ending with the wanted outcome, honouring conditions, or
// nil if there is none. Tests use it to drive the bundled scenarios through
// the real pages; it explores each distinct state (node, variables, scores)
// once, and gives up after 100,000 of them.
func PathTo(s *content.Scenario, want content.Outcome) []int {
	type item struct {
		st   scenario.State
		path []int
	}
	seen := map[string]bool{}
	key := func(st scenario.State) string {
		b, _ := json.Marshal([]any{st.Node, st.Vars, st.Scores})
		return string(b)
	}
	start := scenario.Start(s)
	queue := []item{{st: start}}
	seen[key(start)] = true
	for len(queue) > 0 && len(seen) < 100000 {
		it := queue[0]
		queue = queue[1:]
		if it.st.Finished() {
			if it.st.Outcome == want {
				return it.path
			}
			continue
		}
		for _, c := range scenario.Options(s, it.st) {
			next, _, err := scenario.Choose(s, it.st, c.ID)
			if err != nil {
				continue
			}
			if k := key(next); !seen[k] {
				seen[k] = true
				queue = append(queue, item{st: next, path: append(append([]int(nil), it.path...), c.ID)})
			}
		}
	}
	return nil
}
