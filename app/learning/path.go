package learning

import (
	"github.com/upstand/upstand/app/content"
)

// PathTo finds a shortest sequence of choice ids that plays a scenario from
// its start to an ending with the wanted outcome, honouring conditions, or
// nil if there is none. Tests use it to drive the bundled scenarios through
// the real pages; it walks the scenario's distinct states (node and
// variables) once each, and gives up after 100,000 of them.
func PathTo(s *content.Scenario, want content.Outcome) []int {
	var path []int
	// An error means the walk gave up, or an expression failed; either way
	// no path was found.
	_ = s.Walk(100000, func(r *content.Reached) bool {
		if n := s.Nodes[r.Node]; n.IsEnding() && n.Ending == want {
			path = r.Path()
			return false
		}
		return true
	})
	return path
}
