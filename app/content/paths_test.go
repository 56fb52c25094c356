package content

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	yaml "github.com/goccy/go-yaml"
)

// A play-through of a library scenario and what its debrief must say,
// from testdata/paths/<scenario id>.yaml (a list of these).
type goldenPath struct {
	Name string `yaml:"name"`
	// Best marks the path the scenario teaches; it must end positive.
	Best bool `yaml:"best"`
	// Choices are the positions (1, 2, ...) of the choices made, as they
	// are written on each node (Choice.ID), from the start to an ending.
	Choices []int   `yaml:"choices"`
	Ending  Outcome `yaml:"ending"`
	// Shows are phrases the text shown at the ending must contain; Hides
	// are phrases it must not (a verdict the path does not deserve).
	Shows []string `yaml:"shows"`
	Hides []string `yaml:"hides"`
}

// Every library scenario has golden play-throughs: its best path and at
// least one path to each kind of ending it has, each with the debrief text
// that path deserves. They pin what a learner is told, so a change to a
// scenario that tells a path something untrue fails here.
func TestGoldenPaths(t *testing.T) {
	cat, err := Load(os.DirFS(filepath.Join("..", "..")))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cat.Scenarios {
		t.Run(s.ID, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "paths", s.ID+".yaml"))
			if err != nil {
				t.Fatalf("%v: every library scenario needs its golden play-throughs", err)
			}
			var paths []goldenPath
			if err := yaml.UnmarshalWithOptions(data, &paths, yaml.DisallowUnknownField()); err != nil {
				t.Fatalf("testdata/paths/%s.yaml: %v", s.ID, err)
			}
			kinds := map[Outcome]bool{}
			for _, n := range s.Nodes {
				if n.IsEnding() {
					kinds[n.Ending] = false
				}
			}
			best := 0
			for _, p := range paths {
				if p.Best {
					best++
					if p.Ending != Positive {
						t.Errorf("%s: the best path ends %s, want positive", p.Name, p.Ending)
					}
				}
				kinds[p.Ending] = true
				text := playGolden(t, s, p)
				for _, want := range p.Shows {
					if !strings.Contains(text, want) {
						t.Errorf("%s: the ending does not say %q:\n%s", p.Name, want, text)
					}
				}
				for _, not := range p.Hides {
					if strings.Contains(text, not) {
						t.Errorf("%s: the ending says %q, which this path does not deserve", p.Name, not)
					}
				}
			}
			if best != 1 {
				t.Errorf("%d paths marked best, want 1", best)
			}
			for k, covered := range kinds {
				if !covered {
					t.Errorf("no golden path to a %s ending", k)
				}
			}
		})
	}
}

// playGolden plays p through s and returns the Markdown shown at the
// ending it reaches, failing t if a choice is not on offer or the path
// does not end where p says.
func playGolden(t *testing.T, s *Scenario, p goldenPath) string {
	t.Helper()
	st := s.Begin()
	for i, id := range p.Choices {
		n := s.Nodes[st.Node]
		if n.IsEnding() {
			t.Fatalf("%s: choice %d of the path comes after the ending %q", p.Name, i+1, st.Node)
		}
		at := slices.IndexFunc(n.Choices, func(c *Choice) bool { return c.ID == id })
		if at < 0 {
			t.Fatalf("%s: node %q has no choice %d", p.Name, st.Node, id)
		}
		c := n.Choices[at]
		if ok, err := st.Offers(c); err != nil || !ok {
			t.Fatalf("%s: node %q, choice %d is not on offer (%v) with %v", p.Name, st.Node, id, err, st.Vars)
		}
		next, err := st.Apply(c)
		if err != nil {
			t.Fatal(err)
		}
		st = next
	}
	end := s.Nodes[st.Node]
	if end.Ending != p.Ending {
		t.Fatalf("%s: the path stops at %q (ending %q), want a %s ending", p.Name, st.Node, end.Ending, p.Ending)
	}
	parts, _, err := st.Text(end)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, part := range parts {
		b.WriteString(part.Text)
		b.WriteString("\n\n")
	}
	return b.String()
}
