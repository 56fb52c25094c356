package content

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// brokenDraft has one problem of each graph kind, in a file order that is
// not alphabetical: "zeta" is unreachable, "loop" and "round" are traps,
// "start" has a misspelt goto ("lisen" for "listen") and a choice with no
// goto, and "listen" has an `if` that does not compile. The title is
// missing, which must not stop the rest being read.
const brokenDraft = `id: draft
summary: S.
variables:
  trust: 0
start: start
nodes:
  start:
    speaker: Sam
    text: Hi
    choices:
      - text: Listen
        goto: lisen
      - text: Nowhere
      - text: Circle
        goto: loop
      - text: Fine
        goto: good
  zeta:
    text: Never seen.
    choices:
      - text: Go
        goto: good
  listen:
    text: Listening.
    choices:
      - text: Careful
        goto: good
        if: "trust >>> 1"
  loop:
    text: Round we go.
    choices:
      - text: Again
        goto: round
  round:
    text: And again.
    choices:
      - text: Back
        goto: loop
  good:
    ending: positive
    text: Well done.
`

func TestParseDraftKeepsWhatParsed(t *testing.T) {
	t.Parallel()
	s, errs := ParseDraft("scenarios/draft.yaml", []byte(brokenDraft))
	if s == nil {
		t.Fatalf("no draft; errors:\n%v", errs)
	}
	if len(errs) == 0 {
		t.Fatal("no errors for a broken draft")
	}
	if s.Version != "" || s.Canonical != nil {
		t.Errorf("a draft with errors has a version: %q", s.Version)
	}
	if s.ID != "draft" || s.Start != "start" || s.Title != "" {
		t.Errorf("id %q, start %q, title %q", s.ID, s.Start, s.Title)
	}
	if want := []string{"start", "zeta", "listen", "loop", "round", "good"}; !slices.Equal(s.NodeIDs, want) {
		t.Errorf("NodeIDs = %v, want %v", s.NodeIDs, want)
	}
	start := s.Nodes["start"]
	if start.Speaker != "Sam" || start.Text != "Hi" || len(start.Choices) != 4 {
		t.Fatalf("start node: %+v", start)
	}
	if c := start.Choices[0]; c.Text != "Listen" || c.Goto != "lisen" || c.ID != 1 {
		t.Errorf("choice 1: %+v", c)
	}
	if c := start.Choices[1]; c.Text != "Nowhere" || c.Goto != "" {
		t.Errorf("choice 2: %+v", c)
	}
	if s.Nodes["good"].Ending != Positive {
		t.Errorf("good is not a positive ending")
	}
	if line := s.Nodes["zeta"].Line(); line != 18 {
		t.Errorf("zeta is on line %d, want 18", line)
	}
	// The broken `if` keeps its source, and cannot be evaluated.
	c := s.Nodes["listen"].Choices[0]
	if c.If == nil || c.If.Source != "trust >>> 1" {
		t.Fatalf("broken if not kept: %+v", c.If)
	}
	if _, err := c.If.Holds(map[string]any{"trust": 0}); err == nil {
		t.Error("a condition that did not compile holds")
	}

	rules := map[string]bool{}
	for _, e := range errs {
		rules[e.Rule] = true
	}
	for _, r := range []string{"S4", "S5", "S7", "S9", "S10"} {
		if !rules[r] {
			t.Errorf("no %s error in:\n%v", r, errs)
		}
	}
	// ParseScenario still gives nothing but the errors, the same ones.
	s2, errs2 := ParseScenario("scenarios/draft.yaml", []byte(brokenDraft))
	if s2 != nil || !reflect.DeepEqual(errs, errs2) {
		t.Errorf("ParseScenario = %v, %v; want nil and the draft's errors", s2, errs2)
	}
}

func TestGraphProblems(t *testing.T) {
	t.Parallel()
	s, errs := ParseDraft("scenarios/draft.yaml", []byte(brokenDraft))
	if s == nil {
		t.Fatalf("no draft:\n%v", errs)
	}
	p := s.GraphProblems()
	want := GraphProblems{
		// listen is reached through the misspelt goto, as the rules assume.
		Unreachable: []string{"zeta"},
		Traps:       []string{"loop", "round"},
		Missing: []MissingTarget{
			{Node: "start", Choice: 1, Goto: "lisen", Meant: "listen"},
			{Node: "start", Choice: 2, Goto: ""},
		},
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("GraphProblems =\n%+v\nwant\n%+v", p, want)
	}

	// The problems are exactly what the rules report.
	var s4, s5, s7 []string
	for _, e := range errs {
		switch e.Rule {
		case "S4":
			s4 = append(s4, e.Where)
		case "S5":
			s5 = append(s5, e.Where)
		case "S7":
			s7 = append(s7, e.Where)
		}
	}
	var m4 []string
	for _, m := range p.Missing {
		m4 = append(m4, choiceWhere(m.Node, m.Choice))
	}
	if !slices.Equal(s4, m4) {
		t.Errorf("S4 errors at %v, Missing at %v", s4, m4)
	}
	if !slices.Equal(s5, wheres(p.Unreachable)) {
		t.Errorf("S5 errors at %v, Unreachable %v", s5, p.Unreachable)
	}
	if !slices.Equal(s7, wheres(p.Traps)) {
		t.Errorf("S7 errors at %v, Traps %v", s7, p.Traps)
	}
}

func wheres(ids []string) []string {
	var out []string
	for _, id := range ids {
		out = append(out, nodeWhere(id))
	}
	return out
}

func TestGraphProblemsEdgeCases(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		file string
		want GraphProblems
	}{
		{"valid", validScenario, GraphProblems{}},
		{"start names no node", strings.Replace(brokenDraft, "start: start", "start: nope", 1), GraphProblems{
			Missing: []MissingTarget{
				{Node: "start", Choice: 1, Goto: "lisen", Meant: "listen"},
				{Node: "start", Choice: 2},
			},
		}},
		{"no nodes", "id: t\ntitle: T\nsummary: S.\nstart: a\nnodes:\n", GraphProblems{}},
		{"node that is not a mapping", "id: t\ntitle: T\nsummary: S.\nstart: a\nnodes:\n  a: [1]\n", GraphProblems{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, errs := ParseDraft("scenarios/"+c.name+".yaml", []byte(c.file))
			if s == nil {
				t.Fatalf("no draft:\n%v", errs)
			}
			if got := s.GraphProblems(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("GraphProblems = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestParseDraft(t *testing.T) {
	t.Parallel()
	// Nothing usable: no Scenario.
	for name, file := range map[string]string{
		"syntax":      "id: t\ntitle: [T\n",
		"not a map":   "- a\n- b\n",
		"empty":       "",
		"a plain one": "just text\n",
	} {
		if s, errs := ParseDraft("scenarios/t.yaml", []byte(file)); s != nil || len(errs) == 0 {
			t.Errorf("%s: ParseDraft = %v, %v; want nil and errors", name, s, errs)
		}
	}
	// A valid file: the same as ParseScenario, version and all.
	d, errs := ParseDraft("scenarios/t.yaml", []byte(validScenario))
	if errs != nil {
		t.Fatalf("errors for a valid scenario:\n%v", errs)
	}
	s, _ := ParseScenario("scenarios/t.yaml", []byte(validScenario))
	if d.Version == "" || d.Version != s.Version || string(d.Canonical) != string(s.Canonical) {
		t.Errorf("draft version %q, scenario version %q", d.Version, s.Version)
	}
	// A mapping without nodes is still a draft, with no nodes.
	d, errs = ParseDraft("scenarios/t.yaml", []byte("id: t\ntitle: T\n"))
	if d == nil || len(errs) == 0 || len(d.NodeIDs) != 0 || d.Title != "T" {
		t.Errorf("ParseDraft without nodes = %+v, %v", d, errs)
	}
}

// TestAliasesAnywhereAreRefused: an alias is a problem wherever it is,
// under a key the format does not know too (a "billion laughs" there is
// never walked, but is no less a bomb); past ten, one line says how many
// more, and each is an over-the-limit problem.
func TestAliasesAnywhereAreRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("id: laughs\ntitle: Laughs\na0: &a0 [\"lol\"]\n")
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	_, errs := ParseDraft("scenarios/laughs.yaml", []byte(b.String()))
	var aliases []Error
	for _, e := range errs {
		if strings.Contains(e.Msg, "YAML aliases") {
			aliases = append(aliases, e)
		}
	}
	if len(aliases) != 11 {
		t.Fatalf("%d alias problems, want 10 and a summary:\n%v", len(aliases), errs)
	}
	if first := aliases[0]; first.Line != 4 || first.Col != 10 || !first.OverLimit() {
		t.Errorf("the first alias problem is %v (over the limit: %v)", first, first.OverLimit())
	}
	if last := aliases[10]; !strings.HasSuffix(last.Msg, "(and 19 more aliases after this one)") || !last.OverLimit() {
		t.Errorf("the last alias problem is %v", last)
	}
}
